// An MPEG-TS checker for tests: parses packets, PSI and PES headers and reports what a strict demuxer
// would complain about. Independent of the muxer's code on purpose.

export interface TsPes {
  readonly pid: number;
  /** 90 kHz, as in the stream (33-bit). */
  readonly pts: number | undefined;
  readonly dts: number | undefined;
  /** PES bytes after the 6-byte PES prefix, as counted from the packets. */
  readonly length: number;
  readonly randomAccess: boolean;
  /** The elementary stream bytes (after the PES header), only with `{ payloads: true }`. */
  readonly payload?: Uint8Array;
}

export interface TsCheckOptions {
  /** Keep each PES's elementary stream bytes in the report. */
  readonly payloads?: boolean;
}

export interface TsSegmentReport {
  readonly packets: number;
  /** The segment opens with a PAT, then a PMT. */
  readonly startsWithPsi: boolean;
  /** A PCR came before (or with) the first PES of the segment. */
  readonly pcrBeforeFirstPes: boolean;
  /** PCR bases (90 kHz) in order. */
  readonly pcrs: readonly number[];
  /** Largest step between consecutive PCRs, ms (0 with fewer than two). */
  readonly maxPcrGapMs: number;
  readonly pes: readonly TsPes[];
}

export interface TsReport {
  /** Every problem found; empty means the stream is clean. */
  readonly errors: readonly string[];
  readonly packets: number;
  /** Elementary streams of the last PMT: PID and stream_type. */
  readonly streams: readonly { readonly pid: number; readonly streamType: number }[];
  readonly pcrPid: number | undefined;
  readonly segments: readonly TsSegmentReport[];
}

const PACKET = 188;

const crcTable = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32/MPEG-2 over a section including its CRC field: 0 when the CRC verifies. */
function crcResidue(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = ((crc << 8) ^ crcTable[((crc >>> 24) ^ b) & 0xff]!) >>> 0;
  return crc;
}

function readTimestamp(b: Uint8Array, at: number): number {
  return (
    ((b[at]! >> 1) & 0x07) * 2 ** 30 +
    ((b[at + 1]! << 7) | (b[at + 2]! >> 1)) * 2 ** 15 +
    ((b[at + 3]! << 7) | (b[at + 4]! >> 1))
  );
}

interface OpenPes {
  pid: number;
  pts: number | undefined;
  dts: number | undefined;
  declared: number;
  length: number;
  randomAccess: boolean;
  chunks: Uint8Array[] | undefined;
}

/**
 * Checks one TS stream given as its segments in order (one buffer = one whole stream is fine too).
 * Continuity counters are followed across segments; PCR and DTS monotonicity are per segment.
 */
export function checkTs(input: Uint8Array | readonly Uint8Array[], options: TsCheckOptions = {}): TsReport {
  const segments = input instanceof Uint8Array ? [input] : input;
  const errors: string[] = [];
  const lastCc = new Map<number, number>();
  const pmtPids = new Set<number>();
  let streams: { pid: number; streamType: number }[] = [];
  let pcrPid: number | undefined;
  let total = 0;
  const reports: TsSegmentReport[] = [];

  for (let s = 0; s < segments.length; s++) {
    const data = segments[s]!;
    const where = (i: number) => `segment ${s} packet ${i}`;
    if (data.length % PACKET !== 0) errors.push(`segment ${s}: ${data.length} bytes is not a whole number of packets`);
    const count = Math.floor(data.length / PACKET);
    const pcrs: number[] = [];
    const pes: TsPes[] = [];
    const open = new Map<number, OpenPes>();
    const lastDts = new Map<number, number>();
    const pids: number[] = [];
    let pcrBeforeFirstPes = false;
    const close = (p: OpenPes, i: number) => {
      if (p.declared !== 0 && p.declared !== p.length) {
        errors.push(`${where(i)}: PES on PID ${p.pid} declares ${p.declared} bytes, carries ${p.length}`);
      }
      const entry: TsPes = { pid: p.pid, pts: p.pts, dts: p.dts, length: p.length, randomAccess: p.randomAccess };
      if (p.chunks) {
        const bytes = Buffer.concat(p.chunks);
        pes.push({ ...entry, payload: bytes.subarray(3 + (bytes[2] ?? 0)) });
      } else {
        pes.push(entry);
      }
    };

    for (let i = 0; i < count; i++) {
      const b = data.subarray(i * PACKET, (i + 1) * PACKET);
      if (b[0] !== 0x47) {
        errors.push(`${where(i)}: sync byte 0x${b[0]!.toString(16)}`);
        continue;
      }
      const unitStart = (b[1]! & 0x40) !== 0;
      const pid = ((b[1]! & 0x1f) << 8) | b[2]!;
      const control = (b[3]! >> 4) & 3;
      const cc = b[3]! & 15;
      pids.push(pid);
      if (control === 0) errors.push(`${where(i)}: adaptation_field_control 0`);
      let payloadStart = 4;
      let discontinuity = false;
      let randomAccess = false;
      if (control & 2) {
        const fieldLength = b[4]!;
        payloadStart = 5 + fieldLength;
        if (payloadStart > PACKET || (control === 2 && fieldLength !== 183)) {
          errors.push(`${where(i)}: adaptation field length ${fieldLength}`);
          continue;
        }
        if (fieldLength > 0) {
          const flags = b[5]!;
          discontinuity = (flags & 0x80) !== 0;
          randomAccess = (flags & 0x40) !== 0;
          if (flags & 0x10) {
            const pcr = b[6]! * 2 ** 25 + ((b[7]! << 17) | (b[8]! << 9) | (b[9]! << 1) | (b[10]! >> 7));
            if (pid !== pcrPid) errors.push(`${where(i)}: PCR on PID ${pid}, PMT says ${pcrPid}`);
            if (pcrs.length > 0 && pcr < pcrs[pcrs.length - 1]! && !discontinuity) {
              errors.push(`${where(i)}: PCR went back from ${pcrs[pcrs.length - 1]} to ${pcr}`);
            }
            pcrs.push(pcr);
            if (pes.length === 0 && open.size === 0) pcrBeforeFirstPes = true;
          }
        }
      }
      const hasPayload = (control & 1) !== 0;
      const previous = lastCc.get(pid);
      if (previous !== undefined && !discontinuity) {
        const expected = hasPayload ? (previous + 1) & 15 : previous;
        if (cc !== expected) errors.push(`${where(i)}: PID ${pid} continuity counter ${cc}, expected ${expected}`);
      }
      lastCc.set(pid, cc);
      if (!hasPayload) continue;
      const payload = b.subarray(payloadStart);

      if (pid === 0 || pmtPids.has(pid)) {
        if (!unitStart) continue;
        const section = payload.subarray(1 + payload[0]!);
        const sectionLength = ((section[1]! & 0x0f) << 8) | section[2]!;
        if (3 + sectionLength > section.length) {
          errors.push(`${where(i)}: section spans packets (unsupported by the checker)`);
          continue;
        }
        const whole = section.subarray(0, 3 + sectionLength);
        if (crcResidue(whole) !== 0) errors.push(`${where(i)}: CRC of table ${section[0]} on PID ${pid} does not verify`);
        if (pid === 0) {
          for (let at = 8; at + 4 <= whole.length - 4; at += 4) {
            const program = (whole[at]! << 8) | whole[at + 1]!;
            if (program !== 0) pmtPids.add(((whole[at + 2]! & 0x1f) << 8) | whole[at + 3]!);
          }
        } else {
          pcrPid = ((whole[8]! & 0x1f) << 8) | whole[9]!;
          const infoLength = ((whole[10]! & 0x0f) << 8) | whole[11]!;
          streams = [];
          for (let at = 12 + infoLength; at + 5 <= whole.length - 4;) {
            streams.push({ streamType: whole[at]!, pid: ((whole[at + 1]! & 0x1f) << 8) | whole[at + 2]! });
            at += 5 + (((whole[at + 3]! & 0x0f) << 8) | whole[at + 4]!);
          }
        }
        continue;
      }

      if (!streams.some((e) => e.pid === pid)) {
        errors.push(`${where(i)}: payload on PID ${pid}, which no PMT lists`);
        continue;
      }
      if (unitStart) {
        const before = open.get(pid);
        if (before) close(before, i);
        if (payload[0] !== 0 || payload[1] !== 0 || payload[2] !== 1) {
          errors.push(`${where(i)}: PES start code missing on PID ${pid}`);
          open.delete(pid);
          continue;
        }
        const ptsDts = payload[7]! >> 6;
        const pts = ptsDts & 2 ? readTimestamp(payload, 9) : undefined;
        const dts = ptsDts === 3 ? readTimestamp(payload, 14) : pts;
        if (ptsDts === 1) errors.push(`${where(i)}: PES PTS_DTS_flags 01`);
        if (dts !== undefined) {
          const last = lastDts.get(pid);
          if (last !== undefined && dts < last) errors.push(`${where(i)}: DTS on PID ${pid} went back from ${last} to ${dts}`);
          lastDts.set(pid, dts);
        }
        open.set(pid, {
          pid, pts, dts, randomAccess,
          declared: (payload[4]! << 8) | payload[5]!,
          length: payload.length - 6,
          chunks: options.payloads ? [payload.subarray(6)] : undefined,
        });
      } else {
        const current = open.get(pid);
        if (current) {
          current.length += payload.length;
          current.chunks?.push(payload);
        } else errors.push(`${where(i)}: PES continuation on PID ${pid} without a start`);
      }
    }
    for (const p of open.values()) close(p, count);
    let maxPcrGap = 0;
    for (let k = 1; k < pcrs.length; k++) maxPcrGap = Math.max(maxPcrGap, pcrs[k]! - pcrs[k - 1]!);
    reports.push({
      packets: count,
      startsWithPsi: pids[0] === 0 && pmtPids.has(pids[1] ?? -1),
      pcrBeforeFirstPes,
      pcrs,
      maxPcrGapMs: maxPcrGap / 90,
      pes,
    });
    total += count;
  }
  return { errors, packets: total, streams, pcrPid, segments: reports };
}
