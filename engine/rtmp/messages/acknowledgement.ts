export const TYPE_ACKNOWLEDGEMENT = 3;

/** Acknowledgement: the number of bytes received so far (wrapping at 2^32). */
export function encodeAcknowledgement(sequenceNumber: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(sequenceNumber >>> 0);
  return b;
}
