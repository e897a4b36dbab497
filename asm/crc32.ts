// CRC-32/MPEG-2: polynomial 0x04C11DB7, initial 0xFFFFFFFF, MSB first, no final xor.

const table: usize = memory.data(1024);
let ready = false;

function fillTable(): void {
  for (let i: u32 = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    store<u32>(table + (<usize>i << 2), c);
  }
  ready = true;
}

export function crc32(ptr: usize, length: usize): u32 {
  if (!ready) fillTable();
  let crc: u32 = 0xffffffff;
  for (let i: usize = 0; i < length; i++) {
    const index = ((crc >>> 24) ^ load<u8>(ptr + i)) & 0xff;
    crc = (crc << 8) ^ load<u32>(table + (<usize>index << 2));
  }
  return crc;
}
