import type { TurnSummaryJson } from '../api/types';
import { diagnosticWords } from '../lib/diagnostics';
import { count, duration, exact, tokenBreakdown, usd } from '../lib/format';
import { href } from '../lib/router';

export function OutcomeBadge({ outcome, n }: { outcome: string; n?: number }) {
  const tone = outcome === 'complete' ? 'good' : outcome === 'partial' ? 'warn' : 'bad';
  return (
    <span class={`badge ${tone}`} title={outcome}>
      {n === undefined ? outcome : `${n} ${outcome}`}
    </span>
  );
}

/** A turn's facts under the message it ended at: model, tokens (cache and thinking too), cost, timing, outcome and why. */
export function TurnMeta({ turn, index }: { turn: TurnSummaryJson; index?: number }) {
  const t = turn.tokens;
  return (
    <div class={`turn-meta ${turn.outcome}`} data-turn={turn.id}>
      <div class="facts">
        <a class="turn-link" href={href(['turns', turn.id])}>
          turn{index !== undefined ? ` ${index + 1}` : ''}
        </a>
        <OutcomeBadge outcome={turn.outcome} />
        <span title="model">{turn.model ?? 'model unknown'}</span>
        <span title={tokenBreakdown(t)}>
          {count(t.input)} in · {count(t.output)} out
          {t.cache_read > 0 && <> · {count(t.cache_read)} cache read</>}
          {t.cache_write > 0 && <> · {count(t.cache_write)} cache write</>}
          {t.reasoning > 0 && <> · {count(t.reasoning)} thinking</>}
        </span>
        <span title="estimated cost">{usd(turn.cost_usd)}</span>
        <span title="time to first byte">TTFB {duration(turn.ttfb_ms)}</span>
        <span title="duration">{duration(turn.duration_ms)}</span>
        <span class="muted" title={`${exact(turn.nodes)} nodes, ${exact(turn.new_nodes)} new`}>
          {turn.new_nodes} new node{turn.new_nodes === 1 ? '' : 's'}
        </span>
      </div>
      {turn.diagnostics.length > 0 && (
        <ul class="diagnostics">
          {turn.diagnostics.map((d, i) => (
            <li key={i}>
              <strong>{diagnosticWords(d.code)}</strong> <span class="muted">({d.code})</span> {d.detail}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
