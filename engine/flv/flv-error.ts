/** Malformed or unsupported FLV payload; the only error type the FLV parsers throw. */
export class FlvError extends Error {
  override readonly name = 'FlvError';
}
