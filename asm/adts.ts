// The 7-byte ADTS header (no CRC) that turns one raw AAC frame into a self-describing one.

export const ADTS_HEADER_SIZE: usize = 7;

export function writeAdtsHeader(p: usize, profile: u32, samplingIndex: u32, channelConfig: u32, frameLength: u32): void {
  store<u8>(p, 0xff);
  store<u8>(p + 1, 0xf1); // MPEG-4, layer 0, protection absent
  store<u8>(p + 2, <u8>((profile << 6) | (samplingIndex << 2) | (channelConfig >> 2)));
  store<u8>(p + 3, <u8>(((channelConfig & 3) << 6) | (frameLength >> 11)));
  store<u8>(p + 4, <u8>(frameLength >> 3));
  store<u8>(p + 5, <u8>(((frameLength & 7) << 5) | 0x1f));
  store<u8>(p + 6, 0xfc); // buffer fullness 0x7FF (VBR), one raw data block
}
