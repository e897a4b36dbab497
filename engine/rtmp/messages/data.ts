import { type Amf0Value, decodeAmf0 } from '../amf0.js';

export const TYPE_DATA_AMF0 = 18;
export const TYPE_DATA_AMF3 = 15;

/** Decodes a data message (e.g. @setDataFrame onMetaData); AMF3 data starts with a format byte. */
export function decodeData(typeId: number, body: Uint8Array): Amf0Value[] {
  return decodeAmf0(typeId === TYPE_DATA_AMF3 ? body.subarray(1) : body);
}
