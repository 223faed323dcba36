export {
  PROVIDERS,
  TURN_APIS,
  isProvider,
  isComplete,
  textMessage,
  messageText,
} from './lib/types';
export type {
  Provider,
  TurnApi,
  ContentBlock,
  Message,
  Usage,
  ChatRequest,
  ChatResponse,
  Diagnostic,
  DiagnosticCode,
} from './lib/types';
