const PACKET = 188;
const STREAM_TYPE_H264 = 0x1b;

export interface TsCount {
  /** PES packets started on the H.264 PID: one per video frame with both muxers compared here. */
  readonly videoFrames: number;
  /** Packets without the 0x47 sync byte, or bytes that do not fill a whole packet. */
  readonly badPackets: number;
}

function payloadStart(p: Buffer, at: number): number {
  const adaptation = (p[at + 3]! >> 4) & 0x3;
  return at + 4 + (adaptation & 0x2 ? 1 + p[at + 4]! : 0);
}

/** Counts video frames in MPEG-TS segments (PAT -> PMT -> H.264 PID -> PES starts) without decoding. */
export function countTsFrames(segments: readonly Buffer[]): TsCount {
  let videoFrames = 0;
  let badPackets = 0;
  let pmtPid = -1;
  let videoPid = -1;
  for (const s of segments) {
    if (s.length % PACKET !== 0) badPackets++;
    for (let at = 0; at + PACKET <= s.length; at += PACKET) {
      if (s[at] !== 0x47) {
        badPackets++;
        continue;
      }
      const pid = ((s[at + 1]! & 0x1f) << 8) | s[at + 2]!;
      const unitStart = (s[at + 1]! & 0x40) !== 0;
      if (!unitStart) continue;
      if (pid === videoPid) {
        videoFrames++;
      } else if (pid === 0) {
        const t = payloadStart(s, at) + 1 + s[payloadStart(s, at)]!;
        pmtPid = ((s[t + 10]! & 0x1f) << 8) | s[t + 11]!;
      } else if (pid === pmtPid) {
        const t = payloadStart(s, at) + 1 + s[payloadStart(s, at)]!;
        const sectionEnd = t + 3 + (((s[t + 1]! & 0x0f) << 8) | s[t + 2]!) - 4;
        let e = t + 12 + (((s[t + 10]! & 0x0f) << 8) | s[t + 11]!);
        while (e + 5 <= sectionEnd) {
          if (s[e] === STREAM_TYPE_H264) videoPid = ((s[e + 1]! & 0x1f) << 8) | s[e + 2]!;
          e += 5 + (((s[e + 3]! & 0x0f) << 8) | s[e + 4]!);
        }
      }
    }
  }
  return { videoFrames, badPackets };
}
