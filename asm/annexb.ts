// AVCC (length-prefixed NAL units) to Annex B, one access unit per call.
//
// Every access unit gets an access unit delimiter first; in-band AUDs are dropped for that reason.
// Key frames get the SPS/PPS of the AvcConfig after the AUD, so their in-band SPS/PPS are dropped
// (the config's copies replace them); other frames keep theirs.

const NAL_SPS: u32 = 7;
const NAL_PPS: u32 = 8;
const NAL_AUD: u32 = 9;
const START_CODE: u32 = 0x01000000; // 00 00 00 01 in memory order

/** Upper bound of what `writeAccessUnit` produces for a frame of `size` bytes. */
export function accessUnitBound(size: usize, nalLengthSize: u32, paramSetsLength: usize): usize {
  return 6 + paramSetsLength + size + (size / (nalLengthSize + 1) + 1) * (4 - nalLengthSize);
}

/** Returns the bytes written at `dst`. A NAL length running past the frame ends the access unit there. */
export function writeAccessUnit(
  dst: usize, frame: usize, size: usize, nalLengthSize: u32, key: bool, paramSets: usize, paramSetsLength: usize,
): usize {
  let w = dst;
  store<u32>(w, START_CODE);
  store<u16>(w + 4, 0xf009); // AUD, primary_pic_type 7 (any slice type)
  w += 6;
  if (key) {
    memory.copy(w, paramSets, paramSetsLength);
    w += paramSetsLength;
  }
  let p = frame;
  const end = frame + size;
  while (end - p > <usize>nalLengthSize) {
    let length: usize;
    if (nalLengthSize == 4) length = bswap<u32>(load<u32>(p));
    else if (nalLengthSize == 2) length = bswap<u16>(load<u16>(p));
    else length = load<u8>(p);
    p += nalLengthSize;
    if (length > end - p) break;
    if (length == 0) continue;
    const type = load<u8>(p) & 0x1f;
    if (type != NAL_AUD && !(key && (type == NAL_SPS || type == NAL_PPS))) {
      store<u32>(w, START_CODE);
      memory.copy(w + 4, p, length);
      w += 4 + length;
    }
    p += length;
  }
  return w - dst;
}
