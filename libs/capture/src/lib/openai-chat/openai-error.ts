import { asString, isRecord, type JsonRecord } from '../json';

/**
 * OpenAI's error object, as it appears in a JSON error body (`{"error": {…}}`), inside a Chat
 * Completions stream chunk, as a Responses `error` event, or as a failed response's `error`.
 * https://platform.openai.com/docs/guides/error-codes
 */
export interface OpenAIError {
  message?: string;
  type?: string;
  code?: string | number | null;
  param?: string | null;
}

/**
 * The error object a document carries under `error`, if any. `"error": null` (every Responses
 * object has one) is no error.
 */
export function errorObjectOf(document: unknown): JsonRecord | undefined {
  if (!isRecord(document)) return undefined;
  const error = document['error'];
  return isRecord(error) ? error : undefined;
}

/** A one-line description of an upstream error for a diagnostic detail. */
export function describeOpenAIError(error: JsonRecord): string {
  const message = asString(error['message']) ?? 'no message';
  const kind = [asString(error['type']), codeText(error['code'])].filter((s) => s !== undefined && s !== '');
  return kind.length > 0 ? `${kind.join(' / ')}: ${message}` : message;
}

function codeText(code: unknown): string | undefined {
  if (typeof code === 'string') return code;
  if (typeof code === 'number') return String(code);
  return undefined;
}
