import type { DiagnosticCode } from '@tapes/llm';

/**
 * What each diagnostic code means, in words: a partial or unreduced turn says why, not just a code.
 * Keyed by libs/llm's DiagnosticCode, so a new code does not type-check until it is described here.
 */
const WORDS: Record<DiagnosticCode, string> = {
  upstream_error: 'The provider sent an error instead of (or in the middle of) its answer.',
  incomplete: "The stream ended before the provider's end-of-turn marker: the answer is cut short.",
  tool_input_parse_error: "A tool call's streamed arguments did not add up to JSON; its raw text is kept.",
  parse_error: 'Part of the body could not be parsed.',
  reducer_error: 'Reading the answer stopped early.',
  empty_response: 'Nothing that looks like an answer arrived (an empty body, an HTML page, or bytes of another kind).',
  decode_error: "The body's content encoding (gzip, br, zstd…) could not be undone.",
  unknown_event: 'The stream had events of a type tapes does not know; they were counted.',
  extra_choices: 'The answer carried more than one choice; only the first is shown.',
  interrupted: 'The capture was cut short (the client hung up, the upstream died, or the byte budget ran out).',
  envelope_error: 'The X-Tapes session headers were refused (or some of their fields).',
  agent_name_sanitized: 'The agent name as sent (control characters, or over 256 bytes) was replaced by a safe one; the turn was kept.',
  secrets_scrubbed: 'Secrets found in the body (API keys, tokens) were replaced by [redacted:<length>] before it was stored.',
};

export function diagnosticWords(code: string): string {
  return (WORDS as Record<string, string>)[code] ?? `Diagnostic "${code}".`;
}

export const OUTCOME_WORDS: Record<string, string> = {
  complete: 'complete',
  partial: 'partial — built from what arrived',
  unreduced: 'unreduced — raw bytes kept, no messages could be built',
};
