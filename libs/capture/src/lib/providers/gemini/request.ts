import type { ChatRequest, Message } from '@tapes/llm';
import { asArray, asNumber, asRecord, asString, isRecord, type JsonRecord } from '../../json';
import { RequestParseError, type RequestContext } from '../../reducer';
import { PartAccumulator } from './accumulator';
import { canonicalRole } from './content';
import { camelCase, decodePart, field } from './wire';

/** `…/models/{model}:verb` or `…/tunedModels/{model}:verb`, after any prefix (`/v1beta`, `/v1`, a Vertex project path, a proxy route). */
const MODEL_IN_PATH = /\/(models|tunedModels)\/([^/:]+)(?::([A-Za-z]+))?$/;

/** `generationConfig` fields with a first-class place on {@link ChatRequest}. */
const MAPPED_SETTINGS = ['temperature', 'topP', 'topK', 'maxOutputTokens', 'stopSequences', 'seed'];

/**
 * Parses a `generateContent` / `streamGenerateContent` request body (https://ai.google.dev/api/generate-content#request-body)
 * into a canonical request.
 *
 * - The model is in the URL, not the body: `context.path` `/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`
 *   → `gemini-2.5-flash` (`/v1/models/…` alike; a tuned model keeps its resource name,
 *   `tunedModels/…`). Without a path, a body `model` is used, its `models/` prefix dropped.
 *   `stream` comes from the verb: true for `streamGenerateContent`.
 * - `contents[]` become the messages; `model` is `assistant` (see `canonicalRole`), and parts map
 *   through the same fold as a response's, so a replayed model turn hashes as its response node.
 * - `systemInstruction` (its text parts joined with "\n") is `system`, not a DAG node, as
 *   Anthropic's top-level system prompt (design §4).
 * - `generationConfig`: temperature, topP, topK, seed, maxOutputTokens → `max_tokens`,
 *   stopSequences → `stop`; the rest (`thinkingConfig`, `responseJsonSchema`, …) under
 *   `extra.generation_config`. Offered function names go to `extra.tool_names`, other tools
 *   (`googleSearch`, `codeExecution`) to `extra.builtin_tools`; `toolConfig`, `safetySettings`
 *   and `cachedContent` are kept under their snake_case names.
 *
 * Lenient like the other parsers: fields of the wrong type are skipped, and the proto's snake_case
 * spellings are read too. Only a body that cannot be a Gemini request is refused: not an object,
 * `contents` present but not a list, or a content that is not an object.
 */
export function parseGeminiRequest(document: unknown, context?: RequestContext): ChatRequest {
  if (!isRecord(document)) throw new RequestParseError('a Gemini generateContent request is a JSON object');
  const contents = field(document, 'contents');
  if (contents !== undefined && contents !== null && !Array.isArray(contents)) throw new RequestParseError('a Gemini request has a contents list');
  const messages = asArray(contents).map((content, index) => {
    if (!isRecord(content)) throw new RequestParseError(`contents[${index}] is not an object`);
    return message(content);
  });

  const target = modelFromPath(context?.path);
  const bodyModel = asString(document['model'])?.replace(/^models\//, '');
  const request: ChatRequest = { model: target?.model ?? bodyModel ?? '', messages };
  if (target?.verb === 'streamGenerateContent') request.stream = true;
  else if (target?.verb === 'generateContent') request.stream = false;
  const system = systemText(field(document, 'systemInstruction'));
  if (system) request.system = system;
  const config = asRecord(field(document, 'generationConfig'));
  if (config) applySettings(request, config);
  const extra = requestExtra(document, config);
  if (extra) request.extra = extra;
  return request;
}

/** The model and verb a request path names; undefined when it names none. */
export function modelFromPath(path: string | undefined): { model: string; verb: string | undefined } | undefined {
  const bare = (path ?? '').split('?', 1)[0] ?? '';
  const match = MODEL_IN_PATH.exec(bare.replace(/\/+$/, ''));
  if (!match) return undefined;
  const [, collection, id = '', verb] = match;
  const name = decodeSegment(id);
  return { model: collection === 'tunedModels' ? `tunedModels/${name}` : name, verb };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a stray '%' is part of the name as sent
  }
}

function message(content: JsonRecord): Message {
  const role = canonicalRole(asString(content['role']));
  // Requests have no diagnostics channel; unreadable args leave the call without input (raw bytes keep them).
  const parts = new PartAccumulator(role === 'assistant', () => undefined);
  for (const part of asArray(content['parts'])) if (isRecord(part)) parts.add(decodePart(part));
  return { role, content: parts.blocks() };
}

/** `systemInstruction` is a Content; a bare string (accepted by some clients) is its text. */
function systemText(value: unknown): string | undefined {
  if (typeof value === 'string') return value || undefined;
  const content = asRecord(value);
  if (!content) return undefined;
  const texts = asArray(content['parts'])
    .map((part) => (isRecord(part) ? asString(part['text']) : undefined))
    .filter((text): text is string => text !== undefined && text !== '');
  return texts.length > 0 ? texts.join('\n') : undefined;
}

function applySettings(request: ChatRequest, config: JsonRecord): void {
  const temperature = asNumber(config['temperature']);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = asNumber(field(config, 'topP'));
  if (topP !== undefined) request.top_p = topP;
  const topK = asNumber(field(config, 'topK'));
  if (topK !== undefined) request.top_k = topK;
  const seed = asNumber(config['seed']);
  if (seed !== undefined) request.seed = seed;
  const maxTokens = asNumber(field(config, 'maxOutputTokens'));
  if (maxTokens !== undefined) request.max_tokens = maxTokens;
  const stop = asArray(field(config, 'stopSequences')).filter((s): s is string => typeof s === 'string');
  if (stop.length > 0) request.stop = stop;
}

function requestExtra(document: JsonRecord, config: JsonRecord | undefined): Record<string, unknown> | undefined {
  const extra: Record<string, unknown> = {};
  if (config) {
    const rest = Object.fromEntries(Object.entries(config).filter(([key]) => !MAPPED_SETTINGS.includes(camelCase(key))));
    if (Object.keys(rest).length > 0) extra['generation_config'] = rest;
  }
  const toolNames: string[] = [];
  const builtins: string[] = [];
  for (const tool of asArray(document['tools'])) {
    if (!isRecord(tool)) continue;
    for (const [key, value] of Object.entries(tool)) {
      if (camelCase(key) !== 'functionDeclarations') builtins.push(camelCase(key));
      else for (const declaration of asArray(value)) if (isRecord(declaration) && typeof declaration['name'] === 'string') toolNames.push(declaration['name']);
    }
  }
  if (toolNames.length > 0) extra['tool_names'] = toolNames;
  if (builtins.length > 0) extra['builtin_tools'] = builtins;
  for (const [name, key] of [
    ['toolConfig', 'tool_config'],
    ['safetySettings', 'safety_settings'],
    ['cachedContent', 'cached_content'],
  ] as const) {
    const value = field(document, name);
    if (value !== undefined && value !== null) extra[key] = value;
  }
  return Object.keys(extra).length > 0 ? extra : undefined;
}
