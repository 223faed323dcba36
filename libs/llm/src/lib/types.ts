/**
 * The provider-neutral model of one LLM turn (ref §3). JSON keys are snake_case because these
 * objects are what gets hashed (libs/merkle), stored and served; the names match tapes' Go types
 * so nodes captured by either implementation agree.
 */

/**
 * One block of message content. Every field but `type` is optional; which ones are set depends on
 * the type. Empty strings and empty objects are treated as absent when hashing (Go json/v2
 * `omitempty`), while `is_error` is always part of the hash (false when absent).
 */
export interface ContentBlock {
  /** `text`, `image`, `tool_use`, `tool_result`, `thinking`, or a provider's own type, verbatim. */
  type: string;
  text?: string;
  image_url?: string;
  image_base64?: string;
  media_type?: string;
  tool_use_id?: string;
  tool_name?: string;
  tool_input?: Record<string, unknown>;
  tool_result_id?: string;
  tool_output?: string;
  is_error?: boolean;
  thinking?: string;
  thinking_signature?: string;
  /**
   * Citations attached to a text block (Anthropic). Beyond tapes #192, which dropped them; only
   * hashed when non-empty, so blocks without citations hash exactly as in Go.
   */
  citations?: unknown[];
  /**
   * The provider's own fields of a block type tapes has no first-class mapping for
   * (`web_search_tool_result`, `redacted_thinking`, …), minus `type` and the fields already mapped.
   * Beyond tapes #192, which kept only `type`; only hashed when non-empty.
   */
  data?: Record<string, unknown>;
}

export interface Message {
  role: string;
  content: ContentBlock[];
}

/** Token counts and durations. Zero or absent fields are omitted on the wire. */
export interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  reasoning_tokens?: number;
  total_duration_ns?: number;
  prompt_duration_ns?: number;
}

export interface ChatRequest {
  model: string;
  messages: Message[];
  stream?: boolean;
  /** Anthropic's top-level system prompt (text blocks joined with "\n"). Not a DAG node. */
  system?: string;
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop?: string[];
  seed?: number;
  /** Provider-specific request settings worth keeping (e.g. OpenAI `response_format`). */
  extra?: Record<string, unknown>;
}

/**
 * Why a reduction is partial or suspicious. Bad bytes are data, not exceptions: a reducer reports
 * them here and still returns whatever it could assemble.
 */
export type DiagnosticCode =
  /** The provider sent an error (an SSE `error` event, `response.failed`, a JSON error body). */
  | 'upstream_error'
  /** The stream ended before the provider's end-of-turn marker. */
  | 'incomplete'
  /** A tool call's streamed arguments did not assemble into a JSON object. */
  | 'tool_input_parse_error'
  /** A frame or body could not be parsed (bad JSON, oversized line, unreadable bytes). */
  | 'parse_error'
  /** The reducer stopped early (reader failure, capture byte budget exceeded, cancelled). */
  | 'reducer_error'
  /** Nothing that looks like a response arrived (empty body, HTML page, binary garbage). */
  | 'empty_response'
  /** The body's content encoding could not be undone (or only partly: salvaged). */
  | 'decode_error'
  /** Frames of a type the reducer does not know; counted, not dropped silently. */
  | 'unknown_event'
  /** The response carried more than one choice; only the first is the turn's message. */
  | 'extra_choices'
  /** The capture site stopped the reduction (client gone, upstream died, byte budget spent). */
  | 'interrupted'
  /** The request's X-Tapes-* session envelope was refused, or some of its fields (field and rule named, never the value). */
  | 'envelope_error'
  /** The agent name as sent (control characters, over 256 bytes) was replaced by a sanitised one; the turn was kept (#13). */
  | 'agent_name_sanitized'
  /** The opt-in body scrubber replaced secrets in a body (how many, on which side; #13). */
  | 'secrets_scrubbed';

export interface Diagnostic {
  code: DiagnosticCode;
  detail: string;
  /** Structured context (e.g. the tool_use_id and raw text of a bad tool input). */
  data?: Record<string, unknown>;
}

export interface ChatResponse {
  model: string;
  message: Message;
  /** True only when the provider's end-of-turn marker was seen. */
  done: boolean;
  stop_reason?: string;
  stop_sequence?: string;
  usage?: Usage;
  /** The provider's response id (`msg_…`, `chatcmpl-…`, `resp_…`). */
  id?: string;
  /** Empty for a clean, complete reduction. */
  diagnostics: Diagnostic[];
}

/** True when the reduction is complete and clean (no diagnostics, end marker seen). */
export function isComplete(response: ChatResponse): boolean {
  return response.done && response.diagnostics.length === 0;
}

export function textMessage(role: string, text: string): Message {
  return { role, content: [{ type: 'text', text }] };
}

/** Concatenated text of the `text` blocks, no separator (Go `GetText`). */
export function messageText(message: Message): string {
  return message.content
    .filter((b) => b.type === 'text')
    .map((b) => b.text ?? '')
    .join('');
}
