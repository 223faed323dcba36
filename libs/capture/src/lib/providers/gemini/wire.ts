import { asArray, asBoolean, asNumber, asRecord, asString, isRecord, type JsonRecord } from '../../json';

/**
 * The wire shapes of Google's Gemini API (`generativelanguage.googleapis.com`), kept apart from the
 * state machine so they are easy to compare with the reference:
 * https://ai.google.dev/api/generate-content (GenerateContentResponse, Candidate, UsageMetadata)
 * and https://ai.google.dev/api/caching#Content (Content, Part).
 *
 * Google's JSON is proto3 JSON: responses spell fields in lowerCamelCase, but the API also accepts
 * the proto names in snake_case, and its own REST examples send requests that way
 * (`system_instruction`, `inline_data`, `mime_type`). Every read goes through {@link field}, which
 * takes either spelling. Everything on the wire is untrusted: decoders read what is there and
 * never throw.
 */

/**
 * The literal clients put in `thoughtSignature` of a replayed part they hold no signature for
 * (https://ai.google.dev/gemini-api/docs/thought-signatures, FAQ). It says "no signature": Gemini
 * CLI adds it to function calls in its history that the model returned unsigned, so reading it as
 * a signature would make the replayed call hash unlike the response node it replays.
 */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator';

/** `value[name]`, or the same field under its proto (snake_case) name. */
export function field(value: JsonRecord, name: string): unknown {
  const camel = value[name];
  return camel !== undefined ? camel : value[snakeCase(name)];
}

export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Fields that qualify a part rather than being its payload (a Part is a proto `oneof` plus these). */
const PART_MODIFIERS = ['thought', 'thoughtSignature', 'partMetadata'];
/** Fields beside a payload that are not one (media clipping and resolution), so never its type. */
const PAYLOAD_ATTRIBUTES = ['videoMetadata', 'mediaResolution'];
/** Payloads without a first-class mapping, tried in this order before any unknown field. */
const KNOWN_PAYLOADS = ['inlineData', 'fileData', 'executableCode', 'codeExecutionResult'];

/** One part, by the payload it carries; `signature` and `thought` may qualify any of them. */
export type WirePart = { signature: string | undefined } & (
  | { kind: 'text'; text: string; thought: boolean }
  | { kind: 'function_call'; id: string | undefined; name: string | undefined; args: unknown }
  | { kind: 'function_response'; id: string | undefined; name: string | undefined; response: unknown; rest: JsonRecord | undefined }
  | { kind: 'image'; mimeType: string | undefined; data: string | undefined; uri: string | undefined }
  /** A payload without a first-class mapping (`executableCode`, a PDF's `inlineData`, …): `type` is its proto name. */
  | { kind: 'other'; type: string; payload: JsonRecord }
);

export function decodePart(part: JsonRecord): WirePart {
  const rawSignature = asString(field(part, 'thoughtSignature'));
  const signature = rawSignature && rawSignature !== SKIP_SIGNATURE ? rawSignature : undefined;
  const call = asRecord(field(part, 'functionCall'));
  if (call) return { signature, kind: 'function_call', id: asString(call['id']), name: asString(call['name']), args: call['args'] };
  const response = asRecord(field(part, 'functionResponse'));
  if (response) {
    const rest = camelKeys(response, ['id', 'name', 'response']);
    return { signature, kind: 'function_response', id: asString(response['id']), name: asString(response['name']), response: response['response'], rest };
  }
  const image = imagePayload(part);
  if (image) return { ...image, signature };
  const text = field(part, 'text');
  const keys = Object.keys(part).map(camelCase);
  const payload = KNOWN_PAYLOADS.find((key) => keys.includes(key)) ?? keys.find((key) => key !== 'text' && !PART_MODIFIERS.includes(key) && !PAYLOAD_ATTRIBUTES.includes(key));
  if (typeof text === 'string' || payload === undefined) {
    // A part with only a signature (Gemini may stream one last, in an otherwise empty part) is an empty text part.
    return { signature, kind: 'text', text: typeof text === 'string' ? text : '', thought: asBoolean(part['thought']) === true };
  }
  return { signature, kind: 'other', type: snakeCase(payload), payload: camelKeys(part, PART_MODIFIERS, 2) ?? {} };
}

/** `inlineData` / `fileData` of an image MIME type; other media are kept as they are. */
function imagePayload(part: JsonRecord): Omit<Extract<WirePart, { kind: 'image' }>, 'signature'> | undefined {
  const inline = asRecord(field(part, 'inlineData'));
  const file = asRecord(field(part, 'fileData'));
  const source = inline ?? file;
  if (!source) return undefined;
  const mimeType = asString(field(source, 'mimeType'));
  if (!mimeType?.toLowerCase().startsWith('image/')) return undefined;
  return { kind: 'image', mimeType, data: inline ? asString(inline['data']) : undefined, uri: file && !inline ? asString(field(file, 'fileUri')) : undefined };
}

/**
 * A copy with keys in camelCase down to `depth` levels and the given top-level ones left out
 * (undefined when nothing is left), so a payload hashes alike whichever spelling the client used.
 */
function camelKeys(record: JsonRecord, leaveOut: readonly string[], depth = 1): JsonRecord | undefined {
  const out: JsonRecord = {};
  for (const [key, value] of Object.entries(record)) {
    const name = camelCase(key);
    if (leaveOut.includes(name)) continue;
    out[name] = depth > 1 && isRecord(value) ? (camelKeys(value, [], depth - 1) ?? {}) : value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** `usageMetadata` (https://ai.google.dev/api/generate-content#UsageMetadata). */
export interface WireUsage {
  promptTokenCount?: number | undefined;
  candidatesTokenCount?: number | undefined;
  totalTokenCount?: number | undefined;
  thoughtsTokenCount?: number | undefined;
  cachedContentTokenCount?: number | undefined;
  toolUsePromptTokenCount?: number | undefined;
}

export interface WireCandidate {
  /** `index`; proto3 JSON leaves out a zero, so an absent index is the candidate's position. */
  index: number;
  role: string | undefined;
  parts: JsonRecord[];
  /** Parts that were not objects (skipped, reported). */
  skippedParts: number;
  finishReason: string | undefined;
}

/** One GenerateContentResponse: a one-shot body, one SSE chunk, or one element of a streamed array. */
export type WireResponse =
  | { kind: 'error'; error: JsonRecord }
  | {
      kind: 'response';
      candidates: WireCandidate[];
      usage: WireUsage | undefined;
      modelVersion: string | undefined;
      responseId: string | undefined;
      /** `promptFeedback.blockReason`: the prompt was refused, no candidate was generated. */
      blockReason: string | undefined;
    }
  /** An object with none of a response's fields. */
  | { kind: 'foreign' };

export function decodeResponse(value: JsonRecord): WireResponse {
  const error = value['error'];
  if (isRecord(error)) return { kind: 'error', error };
  const candidates = field(value, 'candidates');
  const usage = asRecord(field(value, 'usageMetadata'));
  const feedback = asRecord(field(value, 'promptFeedback'));
  const modelVersion = asString(field(value, 'modelVersion'));
  if (!Array.isArray(candidates) && !usage && !feedback && modelVersion === undefined) return { kind: 'foreign' };
  return {
    kind: 'response',
    candidates: asArray(candidates).flatMap((candidate, position) => (isRecord(candidate) ? [decodeCandidate(candidate, position)] : [])),
    usage: usage ? decodeUsage(usage) : undefined,
    modelVersion,
    responseId: asString(field(value, 'responseId')),
    blockReason: feedback ? asString(field(feedback, 'blockReason')) : undefined,
  };
}

function decodeCandidate(candidate: JsonRecord, position: number): WireCandidate {
  const content = asRecord(candidate['content']);
  const parts = asArray(content?.['parts']);
  const objects = parts.filter(isRecord);
  return {
    index: asNumber(candidate['index']) ?? position,
    role: asString(content?.['role']),
    parts: objects,
    skippedParts: parts.length - objects.length,
    finishReason: asString(field(candidate, 'finishReason')),
  };
}

function decodeUsage(usage: JsonRecord): WireUsage {
  const count = (name: keyof WireUsage): number | undefined => asNumber(field(usage, name));
  return {
    promptTokenCount: count('promptTokenCount'),
    candidatesTokenCount: count('candidatesTokenCount'),
    totalTokenCount: count('totalTokenCount'),
    thoughtsTokenCount: count('thoughtsTokenCount'),
    cachedContentTokenCount: count('cachedContentTokenCount'),
    toolUsePromptTokenCount: count('toolUsePromptTokenCount'),
  };
}

/** A one-line description of a Google error object (`{code, message, status, details}`) for a diagnostic. */
export function describeGoogleError(error: JsonRecord): string {
  const code = asNumber(error['code']);
  const status = asString(error['status']);
  const message = asString(error['message']) ?? 'no message';
  const kind = [code !== undefined ? String(code) : undefined, status].filter((s): s is string => s !== undefined && s !== '');
  return kind.length > 0 ? `${kind.join(' ')}: ${message}` : message;
}
