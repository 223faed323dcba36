import { readFileSync } from 'node:fs';
import { corpusDigest, fixturePath, loadCorpus, recordedCorpusDigest } from '@tapes/testing';
import { POLICY_DROP_REASONS, TRANSPORT_DROP_REASONS } from '../src/lib/policy/drop-reasons';
import { turnPolicy } from '../src/lib/policy/turn-policy';
import { createDefaultReducers } from '../src/lib/providers/providers';

/**
 * `fixtures/drop-reason/`: the drop-reason vocabulary (policy vs transport, precedence) and the
 * executable examples of the two pure gates, run against the one turn policy every site applies.
 */
type Example = { description: string; expect: 'eligible' | 'dropped' } & (
  | { request: { method: string; path: string }; response?: never }
  | { response: { status: number }; request?: never }
);

interface DropReasonCase {
  name: string;
  class: 'policy' | 'transport';
  constant: string;
  examples?: Example[];
  not_expressible?: string;
}

/**
 * Transport reasons of the reference deployment that this implementation never produces, each with
 * what happens here instead. Transport reasons are not contract (README "The line"): another
 * implementation's plumbing need not have them, but it must say so rather than leave them unclassified.
 */
const NOT_PRODUCED: Record<string, string> = {
  // The reference sheds a turn when its bounded dispatch queue (slots or bytes) is saturated. Our
  // load-shedding bound is the capture byte budget shared by in-flight exchanges and undelivered
  // turns; past it a turn is dropped as `capture_budget` (libs/delivery byte-budget.ts).
  sem_full: 'capture_budget',
  // A failure to serialise the outbound envelope is a bug, not a rule. Here any throw in capture
  // code, serialisation included, is counted as `capture_error` while forwarding goes on.
  marshal_error: 'capture_error',
  // An ingest that times out is not a loss here: the sidecar journals the turn first and retries
  // (ingest-client classifies a timeout as `retry`); the turn is lost only if the journal fills
  // (`spool_full`) or the process stops with nowhere to keep it (`shutdown`).
  ingest_timeout: 'spool_full',
};

const files = loadCorpus<DropReasonCase>('drop-reason');
const corpus = files.map((f) => f.case);
const reducers = createDefaultReducers();

/** The order in the README's "Precedence" block: `upstream_status → non_turn_request → …`. */
function readmePrecedence(): string[] {
  const readme = readFileSync(fixturePath('drop-reason/README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Precedence'));
  const block = /```\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block.split('→').map((name) => name.trim()).filter(Boolean);
}

const examples = corpus.flatMap((c) => (c.examples ?? []).map((e) => ({ reason: c.name, ...e })));

describe('drop-reason corpus (fixtures/drop-reason)', () => {
  it('recomputes the DIGEST recorded beside the cases', () => {
    expect(corpusDigest(files)).toBe(recordedCorpusDigest('drop-reason'));
  });

  it('holds the 15 reasons this implementation was checked against', () => {
    expect(files).toHaveLength(15);
    for (const f of files) expect(`${f.case.name}.json`).toBe(f.file);
  });

  it('lists the policy reasons in the README precedence order, and only those', () => {
    const policy = corpus.filter((c) => c.class === 'policy').map((c) => c.name);
    expect(readmePrecedence()).toHaveLength(7);
    expect([...POLICY_DROP_REASONS]).toEqual(readmePrecedence());
    expect([...POLICY_DROP_REASONS].sort()).toEqual([...policy].sort());
  });

  it.each(corpus.filter((c) => c.class === 'transport').map((c) => [c.name] as const))('transport reason %s is ours or explicitly not produced', (name) => {
    const ours = (TRANSPORT_DROP_REASONS as readonly string[]).includes(name);
    expect(ours || name in NOT_PRODUCED).toBe(true);
    expect(ours && name in NOT_PRODUCED).toBe(false);
  });

  it('maps each reason it does not produce to one this implementation does', () => {
    for (const [name, ours] of Object.entries(NOT_PRODUCED)) {
      expect(corpus.find((c) => c.name === name)?.class).toBe('transport');
      expect(TRANSPORT_DROP_REASONS as readonly string[]).toContain(ours);
    }
  });

  it('gives examples exactly to the two pure gates, one input block each', () => {
    expect(corpus.filter((c) => c.examples).map((c) => c.name).sort()).toEqual(['non_turn_request', 'upstream_status']);
    for (const c of corpus) expect(c.examples !== undefined || typeof c.not_expressible === 'string').toBe(true);
    for (const e of examples) expect(e.reason === 'non_turn_request' ? 'request' in e && !('response' in e) : 'response' in e && !('request' in e)).toBe(true);
  });

  it.each(examples.map((e) => [e.reason, e.description, e] as const))('%s: %s', (reason, _description, e) => {
    const verdict = e.request ? turnPolicy.request({ method: e.request.method, path: e.request.path, reducers }) : turnPolicy.status(e.response.status);
    expect(verdict.turn).toBe(e.expect === 'eligible');
    if (!verdict.turn) expect(verdict.reason).toBe(reason);
  });
});
