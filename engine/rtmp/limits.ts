/** Per-connection limits; breaking one closes that connection only, with a log line saying which. */
export interface RtmpLimits {
  /** Largest RTMP message body, bytes. */
  readonly maxMessageSize: number;
  /** Largest chunk size a peer may set. */
  readonly maxChunkSize: number;
  /** Distinct chunk stream ids per connection. */
  readonly maxChunkStreams: number;
  /** Concurrent connections; more are closed right after accept. */
  readonly maxConnections: number;
  /** From accept to a complete handshake, ms. */
  readonly handshakeTimeoutMs: number;
  /** Without a byte received (while not paused by back-pressure), ms. */
  readonly idleTimeoutMs: number;
  /** For the admission decision, ms; no answer in time refuses the publish. */
  readonly admissionTimeoutMs: number;
}

export const DEFAULT_RTMP_LIMITS: RtmpLimits = {
  maxMessageSize: 8 << 20,
  maxChunkSize: 16 << 20,
  maxChunkStreams: 64,
  maxConnections: 1000,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  admissionTimeoutMs: 10_000,
};
