import type { TurnFixture } from './turn-fixture';

/**
 * Every Gemini response fixture (`fixtures/gemini/`) with a request Gemini CLI could have sent for
 * it: the model in the URL (`/v1beta/models/{model}:{verb}`), `?alt=sse` exactly for the SSE
 * streams, and a body shaped as the CLI's (through `@google/genai`): a history with a replayed
 * model turn that called a tool and the user's `functionResponse`, `systemInstruction`, `tools`
 * and `generationConfig`.
 */

const SSE = 'text/event-stream';
const JSON_TYPE = 'application/json; charset=UTF-8';

const generate = (model: string): string => `/v1beta/models/${model}:generateContent`;
const streamSse = (model: string): string => `/v1beta/models/${model}:streamGenerateContent?alt=sse`;
const streamArray = (model: string): string => `/v1beta/models/${model}:streamGenerateContent`;

const SYSTEM = {
  role: 'user',
  parts: [{ text: 'You are an interactive CLI agent specializing in software engineering tasks. Use the available tools to read and change files.' }],
};

const TOOLS = [
  {
    functionDeclarations: [
      {
        name: 'read_file',
        description: 'Reads and returns the content of a specified file.',
        parametersJsonSchema: { type: 'object', properties: { absolute_path: { type: 'string' } }, required: ['absolute_path'] },
      },
      {
        name: 'glob',
        description: 'Finds files matching a glob pattern.',
        parametersJsonSchema: { type: 'object', properties: { pattern: { type: 'string' } }, required: ['pattern'] },
      },
    ],
  },
];

const user = (text: string): Record<string, unknown> => ({ role: 'user', parts: [{ text }] });

/**
 * The CLI's opening context, then one tool round trip: the model's call is replayed with the
 * "no signature" literal the CLI puts on calls it holds no signature for, and the response
 * carries the CLI's own call id.
 */
const HISTORY = [
  user("This is the Gemini CLI. We are setting up the context for our chat.\nToday's date is Thursday, January 1, 2026.\nI'm currently working in the directory: /home/dev/tapes-demo"),
  { role: 'model', parts: [{ text: 'Got it. Thanks for the context!' }] },
  user('Which files are in src?'),
  { role: 'model', parts: [{ functionCall: { name: 'glob', args: { pattern: 'src/**' } }, thoughtSignature: 'skip_thought_signature_validator' }] },
  {
    role: 'user',
    parts: [{ functionResponse: { id: 'glob-1767225600000-8a41c0e2b3d4', name: 'glob', response: { output: '/home/dev/tapes-demo/src/greet.ts\n/home/dev/tapes-demo/src/greet.spec.ts' } } }],
  },
  { role: 'model', parts: [{ text: 'There are two files in src: greet.ts and greet.spec.ts.' }] },
];

/** A Gemini CLI turn: the history, the new prompt, and the CLI's generation settings. */
function cliTurn(prompt: string, settings: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    contents: [...HISTORY, user(prompt)],
    systemInstruction: SYSTEM,
    tools: TOOLS,
    generationConfig: { temperature: 0, topP: 1, thinkingConfig: { includeThoughts: true }, ...settings },
  };
}

/** Gemini CLI's routing classifier: a small model asked for a JSON verdict on the user's request. */
const classifierRequest = {
  contents: [...HISTORY, user('What does src/greet.ts export?')],
  systemInstruction: { role: 'user', parts: [{ text: 'You are a specialized Task Routing AI. Classify the complexity of the user request and choose flash or pro.' }] },
  generationConfig: {
    temperature: 0,
    maxOutputTokens: 1024,
    thinkingConfig: { thinkingBudget: 512 },
    responseMimeType: 'application/json',
    responseJsonSchema: {
      type: 'object',
      properties: { reasoning: { type: 'string' }, model_choice: { type: 'string', enum: ['flash', 'pro'] } },
      required: ['reasoning', 'model_choice'],
    },
  },
};

interface Entry {
  file: string;
  path: string;
  request: Record<string, unknown>;
  diagnostics?: string[];
}

/**
 * `streamed` says how the body is framed (SSE events or one JSON document), as for the other
 * providers: an error body answering `?alt=sse` and the JSON-array stream are JSON documents.
 */
function turn({ file, path, request, diagnostics = [] }: Entry): TurnFixture {
  const streamed = file.endsWith('.sse');
  const fixture: TurnFixture = {
    name: file.replace(/\.(sse|json)$/, ''),
    api: 'gemini.generate_content',
    provider: 'gemini',
    path,
    responseFile: file,
    contentType: streamed ? SSE : JSON_TYPE,
    streamed,
    request,
    complete: diagnostics.length === 0,
  };
  if (diagnostics.length > 0) fixture.diagnostics = diagnostics;
  return fixture;
}

const FLASH = 'gemini-2.5-flash';
const PRO = 'gemini-2.5-pro';
const greeting = cliTurn('Hello!');
const readBoth = cliTurn('What do src/greet.ts and its spec do?');
const multiply = cliTurn('What is 17 × 23?');

export const GEMINI_FIXTURES: TurnFixture[] = [
  turn({ file: 'gemini/text_stream.sse', path: streamSse(FLASH), request: greeting }),
  turn({ file: 'gemini/text_oneshot.json', path: generate(FLASH), request: greeting }),
  turn({ file: 'gemini/text_array_stream.json', path: streamArray(FLASH), request: greeting }),
  turn({ file: 'gemini/function_call_stream.sse', path: streamSse(FLASH), request: readBoth }),
  turn({ file: 'gemini/function_call_oneshot.json', path: generate(FLASH), request: readBoth }),
  turn({ file: 'gemini/thinking_stream.sse', path: streamSse(PRO), request: multiply }),
  turn({ file: 'gemini/thinking_oneshot.json', path: generate(PRO), request: multiply }),
  turn({ file: 'gemini/routing_classifier.json', path: generate('gemini-2.5-flash-lite'), request: classifierRequest }),
  // Cut by maxOutputTokens: Gemini ended the turn, so the capture is complete.
  turn({ file: 'gemini/max_tokens_stream.sse', path: streamSse(FLASH), request: cliTurn('Explain content-addressed storage.', { maxOutputTokens: 24 }) }),
  turn({ file: 'gemini/error_body.json', path: streamSse(FLASH), request: greeting, diagnostics: ['upstream_error'] }),
  turn({ file: 'gemini/error_mid_stream.sse', path: streamSse(FLASH), request: cliTurn('Explain what a Merkle DAG is.'), diagnostics: ['upstream_error'] }),
  turn({ file: 'gemini/truncated_stream.sse', path: streamSse(FLASH), request: cliTurn('Explain content-addressed storage.'), diagnostics: ['incomplete'] }),
];
