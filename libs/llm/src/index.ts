export { isComplete, textMessage, messageText } from './lib/types';
export type { ContentBlock, Message, Usage, ChatRequest, ChatResponse, Diagnostic, DiagnosticCode } from './lib/types';
