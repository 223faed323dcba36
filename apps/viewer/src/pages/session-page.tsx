import { useEffect, useRef, useState } from 'preact/hooks';
import { deleteJson, getJson } from '../api/client';
import { live } from '../api/live';
import type { DeletedJson, SessionDetailJson, ThreadJson } from '../api/types';
import { OutcomeBadge } from '../components/turn-meta';
import { count, duration, tokenBreakdown, truncate, usd, when } from '../lib/format';
import { useKeys } from '../lib/keyboard';
import { href, navigate, type Route } from '../lib/router';
import { useAsync } from '../lib/use-async';
import { Branches } from './branches';
import { Transcript } from './transcript';

/** A session: its threads as a tree, the selected thread as a transcript or the session's branches. */
export function SessionPage({ route }: { route: Route }) {
  const id = route.path[1] ?? '';
  const [version, setVersion] = useState(0);
  const detail = useAsync((signal) => getJson<SessionDetailJson>(`sessions/${encodeURIComponent(id)}`, {}, signal), [id, version]);
  const view = route.params.get('view') === 'branches' ? 'branches' : 'transcript';
  const focusTurn = route.params.get('turn') ?? undefined;
  const at = route.params.get('at') ?? undefined;

  // Live: a turn of this session refreshes it (a burst → one refresh).
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = live.onTurn((event) => {
      if (event.session_id !== id) return;
      clearTimeout(timer);
      timer = setTimeout(() => setVersion((v) => v + 1), 250);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [id]);

  const session = detail.value;
  useEffect(() => {
    if (detail.state === 'ready' && performance.getEntriesByName('tapes:session-loaded').length === 0) performance.mark('tapes:session-loaded');
  }, [detail.state]);
  const threads = session?.threads ?? [];
  const threadId = route.params.get('thread') ?? (focusTurn ? threads.find((t) => t.turns.some((x) => x.id === focusTurn))?.id : undefined) ?? threads[0]?.id ?? '';
  const thread = threads.find((t) => t.id === threadId) ?? threads[0];
  const go = (params: Record<string, string | undefined>) => navigate(href(['sessions', id], { thread: threadId, view, ...params }));

  useKeys(
    {
      '[': () => stepThread(-1),
      ']': () => stepThread(1),
      b: () => go({ view: view === 'branches' ? undefined : 'branches', at: undefined, turn: undefined }),
      u: () => navigate(href([])),
      Backspace: () => navigate(href([])),
    },
    [threads, threadId, view],
  );
  const stepThread = (by: number) => {
    const i = threads.findIndex((t) => t.id === threadId);
    const next = threads[Math.max(0, Math.min(threads.length - 1, i + by))];
    if (next) navigate(href(['sessions', id], { thread: next.id, view }));
  };

  if (detail.state === 'error' && !session) {
    return (
      <section class="page">
        <a href={href([])}>← sessions</a>
        <div class="error-box">Could not load session {id}: {detail.error.message}</div>
      </section>
    );
  }
  if (!session) return <section class="page muted loading">loading session…</section>;

  return (
    <section class="page session-page">
      <SessionHeader session={session} />
      <div class="session-body">
        <aside class="threads" aria-label="threads">
          <h2>Threads</h2>
          <ThreadTree session={session} selected={thread?.id ?? ''} view={view} />
        </aside>
        <div class="session-main">
          <nav class="tabs" aria-label="views">
            <a class={view === 'transcript' ? 'active' : ''} href={href(['sessions', id], { thread: threadId })}>
              Transcript
            </a>
            <a class={view === 'branches' ? 'active' : ''} href={href(['sessions', id], { thread: threadId, view: 'branches' })}>
              Branches
            </a>
          </nav>
          {view === 'branches' ? (
            <Branches sessionId={id} version={version} />
          ) : thread ? (
            <Transcript key={`${thread.id}`} thread={thread} at={at} focusTurn={focusTurn} />
          ) : (
            <div class="empty">This session has no turns.</div>
          )}
        </div>
      </div>
    </section>
  );
}

function SessionHeader({ session: s }: { session: SessionDetailJson }) {
  const [confirming, setConfirming] = useState(false);
  return (
    <header class="session-header">
      <a class="back" href={href([])}>
        ← sessions
      </a>
      <h1 title={s.first_prompt ?? s.id}>{truncate(s.name ?? s.first_prompt ?? s.id, 200)}</h1>
      <div class="facts">
        <span>{s.harness.id ? `${s.harness.id}${s.harness.version ? ` ${s.harness.version}` : ''}` : 'harness unknown'}</span>
        {s.cwd && <span class="cwd">{s.cwd}</span>}
        <span>{when(s.started_at)}</span>
        <span>{duration(s.duration_ms)}</span>
        <span>{count(s.turn_count)} turns</span>
        <span>{s.thread_count} threads</span>
        <span title={tokenBreakdown(s.tokens)}>{count(s.tokens.total)} tokens</span>
        <span>{usd(s.cost_usd)}</span>
        {s.models.length > 0 && <span>{s.models.join(', ')}</span>}
        {s.outcomes.complete > 0 && <OutcomeBadge outcome="complete" n={s.outcomes.complete} />}
        {s.outcomes.partial > 0 && <OutcomeBadge outcome="partial" n={s.outcomes.partial} />}
        {s.outcomes.unreduced > 0 && <OutcomeBadge outcome="unreduced" n={s.outcomes.unreduced} />}
        <span class="muted id">{s.id}</span>
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          Delete…
        </button>
      </div>
      {confirming && <DeleteDialog session={s} onClose={() => setConfirming(false)} />}
    </header>
  );
}

/** Deleting is for good: the dialog says what goes, and the read API may refuse (its answer is shown). */
function DeleteDialog({ session, onClose }: { session: SessionDetailJson; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal?.();
  }, []);
  const remove = async () => {
    setBusy(true);
    try {
      await deleteJson<DeletedJson>(`sessions/${encodeURIComponent(session.id)}`);
      navigate(href([]));
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <dialog ref={dialog} class="confirm" onClose={onClose} aria-label="delete session">
      <h2>Delete this session?</h2>
      <p>
        Its {session.turn_count} turns, with their raw bytes, and every message no other session shares are removed from storage. This cannot be undone.
      </p>
      {error && <div class="error-box">The session was not deleted: {error}</div>}
      <div class="actions">
        <button type="button" onClick={() => dialog.current?.close()} autoFocus>
          Cancel
        </button>
        <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>
          Delete session
        </button>
      </div>
    </dialog>
  );
}

/** The main thread with the subagents it spawned beneath it. */
function ThreadTree({ session, selected, view }: { session: SessionDetailJson; selected: string; view: string }) {
  const children = (parent: string): ThreadJson[] => session.threads.filter((t) => t.parent_id === parent && t.id !== parent);
  const roots = session.threads.filter((t) => t.parent_id === null || !session.threads.some((p) => p.id === t.parent_id));
  const item = (t: ThreadJson) => {
    const tokens = t.turns.reduce((sum, x) => sum + x.tokens.total, 0);
    const kids = children(t.id);
    return (
      <li key={t.id}>
        <a class={t.id === selected ? 'selected' : ''} href={href(['sessions', session.id], { thread: t.id, view: view === 'branches' ? 'branches' : undefined })} data-thread={t.id}>
          <span class="thread-name">{t.id === '' ? 'main agent' : `subagent ${t.id}`}</span>
          <span class="muted">
            {t.turns.length} turn{t.turns.length === 1 ? '' : 's'} · {count(tokens)} tokens
          </span>
        </a>
        {kids.length > 0 && <ul>{kids.map(item)}</ul>}
      </li>
    );
  };
  return <ul class="thread-tree">{roots.map(item)}</ul>;
}
