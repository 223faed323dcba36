import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { getJson } from '../api/client';
import type { AncestryJson, ContentBlockJson, NodeJson, ThreadJson, TurnDecodedJson, TurnSummaryJson } from '../api/types';
import { answeredCall, isToolCall } from '../components/blocks';
import { FoldedText, JsonView } from '../components/json-view';
import { MessageView, visibleBlocks } from '../components/message';
import { TurnMeta } from '../components/turn-meta';
import { VirtualList, type VirtualListHandle } from '../components/virtual-list';
import { OUTCOME_WORDS, diagnosticWords } from '../lib/diagnostics';
import { useKeys } from '../lib/keyboard';
import { href } from '../lib/router';
import { useAsync } from '../lib/use-async';

export type Row =
  | { kind: 'system'; turnId: string }
  | { kind: 'notice'; text: string }
  | { kind: 'message'; node: NodeJson }
  | { kind: 'turn'; turn: TurnSummaryJson; index: number }
  | { kind: 'no-messages'; turn: TurnSummaryJson; index: number };

export interface TranscriptModel {
  rows: Row[];
  results: Map<string, ContentBlockJson>;
  toolNames: Map<string, string>;
  /** Calls whose result is drawn under them (so the result's own message leaves it out). */
  shownWithCall: Set<string>;
}

/**
 * Lays a thread out for reading: its messages root first (the chain up to the head), each turn's
 * facts under the message it ended at, a turn that built no messages where it happened, and each
 * tool result drawn under the call it answers. Layout only: the messages are the server's nodes.
 */
export function transcriptRows(nodes: NodeJson[], turns: TurnSummaryJson[], systemTurnId: string | undefined): TranscriptModel {
  const results = new Map<string, ContentBlockJson>();
  const toolNames = new Map<string, string>();
  for (const node of nodes) {
    for (const block of node.bucket.content) {
      if (isToolCall(block) && typeof block['tool_use_id'] === 'string') toolNames.set(block['tool_use_id'], String(block['tool_name'] ?? ''));
      const answered = answeredCall(block);
      if (answered) results.set(answered, block);
    }
  }
  const shownWithCall = new Set([...toolNames.keys()].filter((id) => results.has(id)));
  const onChain = new Set(nodes.map((n) => n.hash));
  const turnAt = new Map<string, { turn: TurnSummaryJson; index: number }>();
  const withoutMessages = new Map<string, { turn: TurnSummaryJson; index: number }[]>(); // by the head they follow ('' = the start)
  let previousHead = '';
  let offBranch = 0;
  turns.forEach((turn, index) => {
    if (turn.head_hash && onChain.has(turn.head_hash)) {
      turnAt.set(turn.head_hash, { turn, index });
      previousHead = turn.head_hash;
    } else if (!turn.head_hash) {
      withoutMessages.set(previousHead, [...(withoutMessages.get(previousHead) ?? []), { turn, index }]);
    } else {
      offBranch += 1;
    }
  });

  const rows: Row[] = [];
  if (systemTurnId) rows.push({ kind: 'system', turnId: systemTurnId });
  if (offBranch > 0) rows.push({ kind: 'notice', text: `${offBranch} turn${offBranch === 1 ? '' : 's'} of this thread ended on another branch (a retry or an edited replay): see Branches.` });
  for (const entry of withoutMessages.get('') ?? []) rows.push({ kind: 'no-messages', ...entry });
  for (const node of nodes) {
    if (visibleBlocks(node, shownWithCall).length > 0 || node.bucket.content.length === 0) rows.push({ kind: 'message', node });
    const turn = turnAt.get(node.hash);
    if (turn) rows.push({ kind: 'turn', ...turn });
    for (const entry of withoutMessages.get(node.hash) ?? []) rows.push({ kind: 'no-messages', ...entry });
  }
  return { rows, results, toolNames, shownWithCall };
}

function estimate(row: Row): number {
  if (row.kind !== 'message') return row.kind === 'turn' ? 48 : 44;
  const size = JSON.stringify(row.node.bucket.content).length;
  return Math.min(600, 60 + size / 6);
}

let firstScreenMarked = false;
/** How many turns the first, short load covers: more than a screen holds. */
const FIRST_SCREEN_TURNS = 16;

/** One thread as a transcript (virtualised: only the rows in view are drawn). */
export function Transcript({ thread, at, focusTurn }: { thread: ThreadJson; at?: string | undefined; focusTurn?: string | undefined }) {
  const lastWithHead = [...thread.turns].reverse().find((t) => t.head_hash);
  const head = at ?? lastWithHead?.head_hash ?? null;
  // The first screen shows the start of the thread: the chain up to a turn a few in is a short walk,
  // drawn first; the whole chain (thousands of messages in a long session) is asked for after it,
  // so it does not queue ahead of it. It begins with the same messages: the rows in view stay put.
  const early = !at && !focusTurn ? thread.turns.slice(0, FIRST_SCREEN_TURNS).reverse().find((t) => t.head_hash)?.head_hash : undefined;
  const firstScreen = useAsync<AncestryJson | null>((signal) => (early && early !== head ? getJson<AncestryJson>(`nodes/${early}/ancestry`, {}, signal) : Promise.resolve(null)), [early, head]);
  const wantWhole = firstScreen.state !== 'loading' || firstScreen.value !== undefined;
  const chain = useAsync<AncestryJson | null>((signal) => (head && wantWhole ? getJson<AncestryJson>(`nodes/${head}/ancestry`, {}, signal) : Promise.resolve(null)), [head, wantWhole]);
  const nodes = chain.value?.nodes ?? firstScreen.value?.nodes ?? undefined;
  useEffect(() => {
    if (chain.value && performance.getEntriesByName('tapes:transcript-whole').length === 0) performance.mark('tapes:transcript-whole');
  }, [chain.value]);
  const systemTurn = lastWithHead?.id ?? thread.turns.at(-1)?.id;
  const model = useMemo(() => transcriptRows(nodes ?? [], thread.turns, systemTurn), [nodes, thread.turns, systemTurn]);
  const list = useRef<VirtualListHandle | null>(null);
  const [cursor, setCursor] = useState(-1);

  const turnRows = useMemo(() => model.rows.flatMap((row, i) => (row.kind === 'turn' || row.kind === 'no-messages' ? [i] : [])), [model]);
  const target = useMemo(() => {
    if (focusTurn) return model.rows.findIndex((r) => (r.kind === 'turn' || r.kind === 'no-messages') && r.turn.id === focusTurn);
    if (at) return model.rows.findIndex((r) => r.kind === 'message' && r.node.hash === at);
    return -1;
  }, [model, focusTurn, at]);
  useEffect(() => {
    if (target >= 0) {
      setCursor(target);
      // After the first layout, so the list has its size.
      requestAnimationFrame(() => list.current?.scrollToIndex(Math.max(0, target - 1)));
    }
  }, [target]);

  useKeys(
    {
      j: () => jump(1),
      k: () => jump(-1),
      g: () => list.current?.scrollToIndex(0),
      G: () => list.current?.scrollToIndex(model.rows.length - 1),
    },
    [turnRows, cursor, model],
  );
  const jump = (by: number) => {
    const from = cursor;
    const next = by > 0 ? turnRows.find((i) => i > from) : [...turnRows].reverse().find((i) => i < from);
    if (next === undefined) return;
    setCursor(next);
    list.current?.scrollToIndex(Math.max(0, next - 1));
  };

  if (!head) return <div class="empty">This thread has no messages: none of its turns could be reduced.{model.rows.length > 0 && <TranscriptList model={model} cursor={cursor} list={list} />}</div>;
  if (chain.state === 'error') return <div class="error-box">Could not load the transcript: {chain.error.message}</div>;
  if (!nodes) return <div class="muted loading">loading transcript…</div>;
  return (
    <>
      {chain.value && !chain.value.complete && <div class="notice">The conversation's start is not stored (its chain stops at {chain.value.missing_parent?.slice(0, 12) ?? 'a missing node'}).</div>}
      <TranscriptList model={model} cursor={cursor} list={list} />
    </>
  );
}

function TranscriptList({ model, cursor, list }: { model: TranscriptModel; cursor: number; list: { current: VirtualListHandle | null } }) {
  const ctx = { results: model.results, toolNames: model.toolNames };
  return (
    <VirtualList
      items={model.rows}
      itemKey={(row, i) => (row.kind === 'message' ? row.node.hash : row.kind === 'turn' || row.kind === 'no-messages' ? `${row.kind}:${row.turn.id}` : `${row.kind}:${i}`)}
      estimate={estimate}
      handle={list}
      class="transcript"
      label="transcript"
      follow
      onRendered={() => {
        if (!firstScreenMarked && model.rows.some((r) => r.kind === 'message')) {
          firstScreenMarked = true;
          performance.mark('tapes:transcript-first-screen');
        }
      }}
      render={(row, i) => {
        switch (row.kind) {
          case 'system':
            return <SystemPrompt turnId={row.turnId} />;
          case 'notice':
            return <div class="notice">{row.text}</div>;
          case 'message':
            return <MessageView node={row.node} ctx={ctx} shownWithCall={model.shownWithCall} focused={i === cursor} />;
          case 'turn':
            return (
              <div class={i === cursor ? 'focused' : ''}>
                <TurnMeta turn={row.turn} index={row.index} />
              </div>
            );
          case 'no-messages':
            return (
              <div class={`no-messages${i === cursor ? ' focused' : ''}`}>
                <TurnMeta turn={row.turn} index={row.index} />
                <div class="muted">This turn is {OUTCOME_WORDS[row.turn.outcome] ?? row.turn.outcome}. {row.turn.diagnostics[0] ? diagnosticWords(row.turn.diagnostics[0].code) : ''} <a href={href(['turns', row.turn.id])}>See its raw bytes.</a></div>
              </div>
            );
        }
      }}
    />
  );
}

/** The system prompt is not a node: it is read from the stored request, when the fold is opened. */
function SystemPrompt({ turnId }: { turnId: string }) {
  const [open, setOpen] = useState(false);
  const [state, setState] = useState<{ system?: string | null; settings?: Record<string, unknown>; error?: string } | undefined>();
  useEffect(() => {
    if (!open || state) return;
    getJson<TurnDecodedJson>(`turns/${encodeURIComponent(turnId)}/decoded`).then(
      (d) => setState({ system: d.request.system, settings: d.request.settings, ...(d.request.error ? { error: d.request.error } : {}) }),
      (err: Error) => setState({ error: err.message }),
    );
  }, [open, turnId]);
  return (
    <details class="system-prompt" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>
        <span class="role system">system</span> system prompt and settings (of the latest turn)
      </summary>
      {!state ? (
        <div class="muted">loading…</div>
      ) : (
        <>
          {state.error && <div class="error-box">{state.error}</div>}
          {state.system ? <FoldedText text={state.system} lines={40} label="system prompt" /> : !state.error && <div class="muted">no system prompt</div>}
          {state.settings && <JsonView value={state.settings} summary="request settings" open={false} />}
        </>
      )}
    </details>
  );
}
