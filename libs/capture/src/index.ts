export { TURN_APIS, RequestParseError, reduceBody, parseRequestBody, reducerForPath, reducerFor } from './lib/reducer';
export type { TurnApi, Reducer, Reduction, ReductionOptions, Interruption } from './lib/reducer';
export { Diagnostics } from './lib/diagnostics';
export { FramedReducer } from './lib/framed-reducer';
export { FramedReduction, DEFAULT_MAX_BYTES } from './lib/framing/framed-reduction';
export { sniffBodyFormat } from './lib/framing/body-format';
export type { BodyFormat } from './lib/framing/body-format';
export type { TurnAssembler, SseEvent } from './lib/framing/turn-assembler';
