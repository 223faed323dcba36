import type { ContentBlock } from '@tapes/llm';
import { isRecord } from '../../json';
import type { WirePart } from './wire';

/**
 * Gemini calls the assistant `model`. The canonical role is `assistant`, as for every other
 * provider (ref §2.1 passes roles through, and Anthropic, OpenAI and Ollama all say `assistant`):
 * a response node and the same message replayed in the next request's `contents` must carry one
 * role for the DAG to dedup them. A content without a role is the user's (Gemini reads it so in a
 * single-turn request); any other role is kept verbatim.
 */
export function canonicalRole(role: string | undefined): string {
  if (role === undefined || role === '') return 'user';
  return role === 'model' ? 'assistant' : role;
}

/** A function call whose `args` is not a JSON object (reported by the response side, never guessed at). */
export interface ToolInputProblem {
  tool_use_id?: string;
  tool_name?: string;
  raw: string;
  error: string;
}

/**
 * Maps one part that is not text to its canonical block; text and thought parts are folded by the
 * accumulator. Shared by responses and requests, so a replayed part hashes as the one returned.
 *
 * - `functionCall` → `tool_use`: `tool_use_id` is the call's `id` when Gemini sent one, and none
 *   otherwise. No id is derived: the Gemini API pairs calls and responses by name and order, a
 *   derived id would have to be re-derived identically from the next request (whose
 *   `functionResponse` carries only a name, or the client's own id), and an empty id is left out
 *   of the hash, so the block is stable in every form.
 * - `functionResponse` → `tool_result`: `tool_result_id` = its `id`, `tool_name` = its `name`,
 *   `tool_output` = the JSON text of `response`; `is_error` when `response` holds `error` and no
 *   `output` (the API's own convention for a failed call); other fields (`parts`, `willContinue`)
 *   in `data`.
 * - Images (`inlineData` or `fileData` of an `image/*` type) → `image`; anything else keeps its
 *   proto name as the type (`executable_code`, `inline_data` of a PDF) and its fields in `data`.
 *
 * A `thoughtSignature` becomes the block's `thinking_signature` whatever the part (see the accumulator).
 */
export function blockFromPart(part: Exclude<WirePart, { kind: 'text' }>, onToolInputProblem: (problem: ToolInputProblem) => void): ContentBlock {
  const block = payloadBlock(part, onToolInputProblem);
  if (part.signature) block.thinking_signature = part.signature;
  return block;
}

function payloadBlock(part: Exclude<WirePart, { kind: 'text' }>, onToolInputProblem: (problem: ToolInputProblem) => void): ContentBlock {
  switch (part.kind) {
    case 'function_call':
      return toolUseBlock(part, onToolInputProblem);
    case 'function_response':
      return toolResultBlock(part);
    case 'image': {
      const block: ContentBlock = { type: 'image' };
      if (part.data) block.image_base64 = part.data;
      if (part.uri) block.image_url = part.uri;
      if (part.mimeType) block.media_type = part.mimeType;
      return block;
    }
    case 'other':
      return { type: part.type, data: part.payload };
  }
}

function toolUseBlock(part: Extract<WirePart, { kind: 'function_call' }>, onToolInputProblem: (problem: ToolInputProblem) => void): ContentBlock {
  const block: ContentBlock = { type: 'tool_use' };
  if (part.id) block.tool_use_id = part.id;
  if (part.name) block.tool_name = part.name;
  if (isRecord(part.args)) {
    if (Object.keys(part.args).length > 0) block.tool_input = part.args;
  } else if (part.args !== undefined && part.args !== null) {
    const problem: ToolInputProblem = { raw: JSON.stringify(part.args), error: 'function call args are not a JSON object' };
    if (part.id) problem.tool_use_id = part.id;
    if (part.name) problem.tool_name = part.name;
    onToolInputProblem(problem);
  }
  return block;
}

function toolResultBlock(part: Extract<WirePart, { kind: 'function_response' }>): ContentBlock {
  const block: ContentBlock = { type: 'tool_result' };
  if (part.id) block.tool_result_id = part.id;
  if (part.name) block.tool_name = part.name;
  if (part.response !== undefined && part.response !== null) block.tool_output = JSON.stringify(part.response);
  if (isRecord(part.response) && part.response['error'] !== undefined && part.response['output'] === undefined) block.is_error = true;
  if (part.rest) block.data = part.rest;
  return block;
}
