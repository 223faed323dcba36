export { ReplayServer, REPLAY_TIMINGS, REPLAY_HEADER } from './lib/replay-server';
export type { ReplayServerOptions, ReplayTiming, ReplayEvent } from './lib/replay-server';
export { ReplayIndex } from './lib/replay-index';
export type { CapturedReply, ChunkPlan, ClosestTurn, IncomingRequest, ReplayMatch } from './lib/replay-index';
export { requestShape, withoutVolatile, VOLATILE_FIELDS, VOLATILE_ANYWHERE, CONVERSATION_FIELD } from './lib/request-shape';
export type { RequestShape } from './lib/request-shape';
export { jsonDifferences } from './lib/json-diff';
export type { JsonDifference } from './lib/json-diff';
