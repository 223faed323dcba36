import type { ChatRequest, ChatResponse } from '@tapes/llm';
import { Diagnostics, errorMessage } from '../diagnostics';
import type { BodyFormat } from './body-format';
import { FramedReduction } from './framed-reduction';
import type { TurnAssembler } from './turn-assembler';
import type { Reducer, Reduction, ReductionOptions, RequestContext } from '../reducer';

/**
 * The shared shape of every provider reducer: framing comes from {@link FramedReduction}, a
 * provider contributes its endpoint, its request parser and a {@link TurnAssembler} per turn.
 */
export abstract class FramedReducer implements Reducer {
  abstract readonly provider: string;
  abstract readonly api: string;
  /** Path suffixes of the turn endpoint (`/v1/messages`, `/chat/completions`, …). */
  protected abstract readonly pathSuffixes: readonly string[];
  /** Framing of a `{`-body whose content type does not say (NDJSON for Ollama); public so a body can be shown framed as this reducer frames it (bodyFrames). */
  readonly ambiguousJson: BodyFormat = 'json';

  protected abstract createAssembler(diagnostics: Diagnostics): TurnAssembler;
  abstract parseRequest(document: unknown, context?: RequestContext): ChatRequest;

  handlesPath(path: string): boolean {
    const bare = (path.split('?', 1)[0] ?? '').replace(/\/+$/, '');
    return this.pathSuffixes.some((suffix) => bare.endsWith(suffix));
  }

  start(options: ReductionOptions = {}): Reduction {
    const diagnostics = new Diagnostics();
    return new FramedReduction(this.createAssembler(diagnostics), diagnostics, { ...options, ambiguousJson: this.ambiguousJson });
  }

  reduceJson(document: unknown): ChatResponse {
    const diagnostics = new Diagnostics();
    const assembler = this.createAssembler(diagnostics);
    try {
      assembler.jsonDocument(document);
    } catch (err) {
      diagnostics.add('reducer_error', `reducer failed on the document: ${errorMessage(err)}`);
    }
    return assembler.finish();
  }
}
