// The engine as a library: each layer usable on its own, behind the interfaces of its contract files.
export type * from './media/types.js';
export type * from './ingest/sink.js';
export type * from './ingest/live-registry.js';
export type * from './mux/types.js';
export type * from './store/object-store.js';
export type * from './store/metadata-store.js';
export { EngineEventBus, type EngineEvents } from './events.js';
export { RtmpServer, type RtmpServerOptions } from './rtmp/server.js';
export { DEFAULT_RTMP_LIMITS, type RtmpLimits } from './rtmp/limits.js';
export { FlvIngest, newPublishStats, UnsupportedVideoCodecError } from './ingest/flv-ingest.js';
export { readFlvTags, type FlvTag } from './flv/flv-file.js';
export { createInlineMuxBackend } from './mux/inline-backend.js';
export { createPoolMuxBackend } from './mux/pool-backend.js';
export { createPipelineSinkFactory, type PipelineFactoryOptions } from './pipeline/pipeline-factory.js';
export { renderVodPlaylist } from './hls/vod-playlist.js';
export { FsObjectStore } from './store/fs-object-store.js';
export { SqliteMetadataStore } from './store/sqlite-metadata-store.js';
