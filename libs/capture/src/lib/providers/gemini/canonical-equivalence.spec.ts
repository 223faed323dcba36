import type { ChatResponse, Message } from '@tapes/llm';
import { createNode, messageBucket } from '@tapes/merkle';
import { readFixture, readFixtureText } from '@tapes/testing';
import { reduceBody } from '../../reducer';
import { GeminiGenerateContentReducer } from './reducer';

/**
 * The property that lets the DAG dedup a streamed capture against a one-shot capture of the same
 * turn (design §4, as the Anthropic pairs): every form Gemini can answer in — SSE chunks, the
 * one-shot body, the JSON array of `streamGenerateContent` without `alt=sse` — reduces to the same
 * message, so the response node hashes alike; and that message replayed as a `model` turn of the
 * next request hashes as the response node too.
 */
const reducer = new GeminiGenerateContentReducer();
const AGENT = 'canonical-equivalence';

function hash(message: Message, model: string): string {
  return createNode(messageBucket(message, { model, provider: 'gemini', agentName: AGENT }), null).hash;
}

const responseHash = (response: ChatResponse): string => hash(response.message, response.model);

const contentTypeOf = (file: string): string => (file.endsWith('.sse') ? 'text/event-stream' : 'application/json; charset=UTF-8');

const sets = [
  { name: 'text', oneshot: 'gemini/text_oneshot.json', streams: ['gemini/text_stream.sse', 'gemini/text_array_stream.json'], path: '/v1beta/models/gemini-2.5-flash:generateContent' },
  { name: 'function calls (a signed call and an unsigned one)', oneshot: 'gemini/function_call_oneshot.json', streams: ['gemini/function_call_stream.sse'], path: '/v1beta/models/gemini-2.5-flash:generateContent' },
  { name: 'thinking (signature streamed on a last, empty part)', oneshot: 'gemini/thinking_oneshot.json', streams: ['gemini/thinking_stream.sse'], path: '/v1beta/models/gemini-2.5-pro:generateContent' },
];

describe.each(sets)('canonical equivalence: $name', ({ oneshot, streams, path }) => {
  const parsed = reduceBody(reducer, readFixture(oneshot), { contentType: contentTypeOf(oneshot) });

  it.each(streams)('reduces %s and the one-shot body completely, to the same message, model, stop reason and usage', (file) => {
    const streamed = reduceBody(reducer, readFixture(file), { contentType: contentTypeOf(file) });
    expect(streamed.diagnostics).toEqual([]);
    expect(parsed.diagnostics).toEqual([]);
    expect(streamed.done && parsed.done).toBe(true);
    expect(streamed.message).toEqual(parsed.message);
    expect(streamed.model).toBe(parsed.model);
    expect(streamed.stop_reason).toBe(parsed.stop_reason);
    expect(streamed.usage).toEqual(parsed.usage);
  });

  it.each(streams)("gives %s the one-shot body's response node hash", (file) => {
    const streamed = reduceBody(reducer, readFixture(file), { contentType: contentTypeOf(file) });
    expect(responseHash(streamed)).toBe(responseHash(parsed));
  });

  it('hashes the reply replayed as a model turn of the next request as the response node', () => {
    const wire = JSON.parse(readFixtureText(oneshot)) as { candidates: { content: { parts: unknown[] } }[] };
    const request = reducer.parseRequest(
      {
        contents: [
          { role: 'user', parts: [{ text: 'go on' }] },
          { role: 'model', parts: wire.candidates[0]?.content.parts },
        ],
      },
      { path },
    );
    expect(hash(request.messages[1] as Message, request.model)).toBe(responseHash(parsed));
  });
});
