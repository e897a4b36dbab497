export const TYPE_SET_PEER_BANDWIDTH = 6;

export const LIMIT_DYNAMIC = 2;

export function encodeSetPeerBandwidth(size: number, limitType: number): Buffer {
  const b = Buffer.allocUnsafe(5);
  b.writeUInt32BE(size >>> 0);
  b[4] = limitType;
  return b;
}
