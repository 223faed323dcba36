export {
  PROVIDERS,
  isProvider,
  isComplete,
  textMessage,
  messageText,
} from './lib/types';
export type {
  Provider,
  ContentBlock,
  Message,
  Usage,
  ChatRequest,
  ChatResponse,
  Diagnostic,
  DiagnosticCode,
} from './lib/types';
