// Envoy's ext_proc protocol as the sidecar speaks it (docs/ext-proc.md): the wire definition and
// its messages, one HTTP exchange assembled into a CapturedTurn, and the handler of one gRPC call.
// No NestJS here: the sidecar app wires these into its server, delivery and metrics.
export { PROCESSING_KINDS } from './lib/wire/processing-messages';
export type { ProcessingKind, ProcessingRequest, HeaderValueMessage, HeaderMapMessage, HttpHeadersMessage, HttpBodyMessage, HttpTrailersMessage } from './lib/wire/processing-messages';
export { EXT_PROC_METHOD_PATH, PROTO_LOADER_OPTIONS, extProcProtoPath, loadExtProcMethod, extProcServiceDefinition } from './lib/wire/ext-proc-service';
export { Exchange, payloadBytes } from './lib/exchange/exchange';
export type { ExchangeOptions, StreamClose } from './lib/exchange/exchange';
export type { ExchangeEnd, ExchangeOutcome, NotRecordedReason, CaptureDropReason } from './lib/exchange/exchange-end';
export { ProcessCallHandler } from './lib/call/process-call';
export type { ProcessCall, ProcessCallHooks } from './lib/call/process-call';
