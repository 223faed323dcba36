import type { ChatRequest, ContentBlock, Message } from '@tapes/llm';
import { asArray, asBoolean, asNumber, asString, isRecord, type JsonRecord } from '../../json';
import { RequestParseError } from '../../reducer';
import { genericBlock, messageContentBlocks, outputItemBlocks } from './output-items';

/** Request settings kept in `extra` when present (not hashed). */
const EXTRA_KEYS = [
  'reasoning',
  'previous_response_id',
  'conversation',
  'store',
  'tool_choice',
  'parallel_tool_calls',
  'max_tool_calls',
  'text',
  'include',
  'truncation',
  'service_tier',
  'background',
] as const;

/**
 * Parses a Responses API request. `instructions` is the system prompt (`ChatRequest.system`, not a
 * DAG node, like Anthropic's `system`); `input` is a string (one user message) or a list of
 * items, turned into messages by these rules:
 *
 * - a `message` item (or an item with a `role` and no `type`) is a message of that role, its
 *   content mapped as a response's message content;
 * - assistant-side items — assistant messages, `reasoning`, `function_call`, `custom_tool_call`
 *   and any other call item (`web_search_call`, `local_shell_call`, …) — that follow each other
 *   are grouped into **one** assistant message, in order. A response's output items are one turn
 *   and the reducer makes them one response node; grouping their replay the same way lets the
 *   replayed history hash like that node. A user, system or tool item ends the group;
 * - a `*_output` item (`function_call_output`, `custom_tool_call_output`, …) is its own `tool`
 *   message: a `tool_result` {`tool_result_id`: `call_id`, `tool_output`: the output string, or the
 *   text parts of an output list joined with `"\n"`; its other parts in `data.parts`}, or, for
 *   outputs that are neither (a screenshot object), `{type: item.type, data}`.
 *
 * @throws RequestParseError when the document is not an object, `input` is neither a string, an
 *   array nor absent, or an input item is not an object.
 */
export function parseResponsesRequest(document: unknown): ChatRequest {
  if (!isRecord(document)) throw new RequestParseError('a Responses request must be a JSON object');
  const request: ChatRequest = { model: asString(document['model']) ?? '', messages: inputMessages(document['input']) };
  const instructions = asString(document['instructions']);
  if (instructions) request.system = instructions;
  const stream = asBoolean(document['stream']);
  if (stream !== undefined) request.stream = stream;
  const maxTokens = asNumber(document['max_output_tokens']);
  if (maxTokens !== undefined) request.max_tokens = maxTokens;
  const temperature = asNumber(document['temperature']);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = asNumber(document['top_p']);
  if (topP !== undefined) request.top_p = topP;
  const extra = requestExtra(document);
  if (extra) request.extra = extra;
  return request;
}

function inputMessages(input: unknown): Message[] {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') return [{ role: 'user', content: [{ type: 'text', text: input }] }];
  if (!Array.isArray(input)) throw new RequestParseError('a Responses request input must be a string or an array of items');
  const messages: Message[] = [];
  let assistantGroup: Message | undefined;
  input.forEach((item, index) => {
    if (!isRecord(item)) throw new RequestParseError(`input[${index}] must be an object`);
    const type = asString(item['type']) ?? (item['role'] !== undefined ? 'message' : '');
    const role = type === 'message' ? (asString(item['role']) ?? '') : undefined;
    if (role !== undefined && role !== 'assistant') {
      assistantGroup = undefined;
      messages.push({ role, content: messageContentBlocks(item['content']) });
    } else if (type.endsWith('_output')) {
      assistantGroup = undefined;
      messages.push({ role: 'tool', content: [toolOutputBlock(type, item)] });
    } else {
      if (!assistantGroup) {
        assistantGroup = { role: 'assistant', content: [] };
        messages.push(assistantGroup);
      }
      assistantGroup.content.push(...outputItemBlocks(item));
    }
  });
  return messages;
}

function toolOutputBlock(type: string, item: JsonRecord): ContentBlock {
  const callId = asString(item['call_id']);
  const output = item['output'];
  if (callId === undefined || (typeof output !== 'string' && !Array.isArray(output))) return genericBlock(type, item);
  const block: ContentBlock = { type: 'tool_result', tool_result_id: callId };
  if (typeof output === 'string') {
    if (output) block.tool_output = output;
    return block;
  }
  const parts = messageContentBlocks(output);
  const text = parts
    .filter((p) => p.type === 'text')
    .map((p) => p.text ?? '')
    .join('\n');
  if (text) block.tool_output = text;
  const others = output.filter((part) => !isRecord(part) || !['input_text', 'output_text', 'text'].includes(String(part['type'])));
  if (others.length > 0) block.data = { parts: others };
  return block;
}

function requestExtra(document: JsonRecord): Record<string, unknown> | undefined {
  const extra: Record<string, unknown> = {};
  for (const key of EXTRA_KEYS) {
    const value = document[key];
    if (value !== undefined && value !== null) extra[key] = value;
  }
  const tools = asArray(document['tools']);
  if (tools.length > 0) extra['tool_count'] = tools.length;
  return Object.keys(extra).length > 0 ? extra : undefined;
}
