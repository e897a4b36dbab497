/** A peer broke the RTMP protocol or a configured limit; the only error type the RTMP parsers throw. */
export class RtmpError extends Error {
  override readonly name = 'RtmpError';
}
