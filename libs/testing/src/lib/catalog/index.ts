import { ANTHROPIC_FIXTURES } from './anthropic';
import { GEMINI_FIXTURES } from './gemini';
import { OLLAMA_FIXTURES } from './ollama';
import { OPENAI_FIXTURES } from './openai';
import type { TurnFixture } from './turn-fixture';

/** Every turn fixture of every provider: what each capture site's tests iterate. */
export const TURN_FIXTURES: readonly TurnFixture[] = [...ANTHROPIC_FIXTURES, ...OPENAI_FIXTURES, ...OLLAMA_FIXTURES, ...GEMINI_FIXTURES];
