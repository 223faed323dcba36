import { excerpt } from '../../diagnostics';
import { asString, isRecord, type JsonRecord } from '../../json';

/**
 * The error object a document carries under `error`, if any: a JSON error body
 * (`{"error": {"message", "type", "code", "param"}}`), a Chat Completions chunk, a failed
 * Responses object. `"error": null` (every Responses object has one) is no error.
 * https://platform.openai.com/docs/guides/error-codes
 */
export function errorObjectOf(document: unknown): JsonRecord | undefined {
  if (!isRecord(document)) return undefined;
  const error = document['error'];
  return isRecord(error) ? error : undefined;
}

/** A one-line description of an upstream error for a diagnostic detail (the whole object goes in its data). */
export function describeOpenAIError(error: JsonRecord): string {
  const message = excerpt(asString(error['message']) ?? 'no message', 300);
  const kind = [...new Set([asString(error['type']), codeText(error['code'])])].filter((s) => s !== undefined && s !== '');
  return kind.length > 0 ? `${kind.join(' / ')}: ${message}` : message;
}

function codeText(code: unknown): string | undefined {
  if (typeof code === 'string') return code;
  if (typeof code === 'number') return String(code);
  return undefined;
}
