export { ReadApiModule } from './lib/read-api.module';
export { ReadService } from './lib/read.service';
export { ZodQueryPipe } from './lib/zod-query.pipe';
export { pageQuerySchema } from './lib/query-schemas';
export { TurnEvents } from './lib/turn-events';
export type { TurnStoredEvent } from './lib/turn-events';
export { TURN_EVENTS } from './lib/read-api.tokens';
export { readApiDocument, readApiDigest } from './lib/openapi';
export type { SessionDagJson } from './lib/session-dag';
export type { TurnDecodedJson } from './lib/turn-decoding';
export type { SessionJson, SessionDetailJson, ThreadJson, TurnSummaryJson, TurnDetailJson, SearchHitJson, StatsJson, StatsRowJson, TokensJson, PageJson } from './lib/api-shapes';
export {
  sessionSchema,
  sessionDetailSchema,
  turnSummarySchema,
  turnDetailSchema,
  searchHitSchema,
  statsSchema,
  nodeSchema,
  tokensSchema,
  threadSchema,
  sessionDagSchema,
  turnDecodedSchema,
} from './lib/api-schemas';
