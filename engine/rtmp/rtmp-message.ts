/** One RTMP message as the chunk stream layer carries it. */
export interface RtmpMessage {
  readonly typeId: number;
  /** Message stream id (0 = the NetConnection). */
  readonly streamId: number;
  /** ms, 32-bit. */
  readonly timestamp: number;
  readonly body: Uint8Array;
}

/** Chunk stream ids the server writes on, by what they carry (the usual Flash Media Server choice). */
export const CSID_PROTOCOL_CONTROL = 2;
export const CSID_COMMAND = 3;
export const CSID_STREAM_STATUS = 5;

export const TYPE_AUDIO = 8;
export const TYPE_VIDEO = 9;
