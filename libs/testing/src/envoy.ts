// Envoy's side of ext_proc, for tests and benches that play it (a second entry point: the builders'
// names are Envoy's message names, too generic for the main one, and the gRPC client stays out of
// suites that do not use it).
export { EnvoyClient, EnvoyStream } from './lib/envoy/envoy-client';
export type { PlayOptions, PlayResult, StreamEnding } from './lib/envoy/envoy-client';
export { envoySequence, requestHeaders, responseHeaders, requestBody, responseBody, requestTrailers, responseTrailers } from './lib/envoy/envoy-messages';
export type { EnvoyMessage, EnvoyMessageKind, EnvoyHeaderMap, EnvoyHeaderValue, ExchangeScript, HeaderInput, MessageOptions } from './lib/envoy/envoy-messages';
