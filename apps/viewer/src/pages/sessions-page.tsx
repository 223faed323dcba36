import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { getJson } from '../api/client';
import { live } from '../api/live';
import type { PageJson, SearchHitJson, SessionJson } from '../api/types';
import { OutcomeBadge } from '../components/turn-meta';
import { VirtualList, type VirtualListHandle } from '../components/virtual-list';
import { count, duration, tokenBreakdown, truncate, usd, when } from '../lib/format';
import { useKeys } from '../lib/keyboard';
import { href, navigate, type Route } from '../lib/router';

const FILTERS = ['agent', 'harness', 'model', 'since', 'until', 'sort', 'q'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** The list of sessions: search, filters, sort, and new turns arriving live. */
export function SessionsPage({ route }: { route: Route }) {
  const filters: Filters = useMemo(() => Object.fromEntries(FILTERS.map((k) => [k, route.params.get(k) ?? undefined]).filter(([, v]) => v)), [route.params.toString()]);
  const setFilters = (next: Filters) => navigate(href([], next), true);

  const [sessions, setSessions] = useState<SessionJson[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const [selected, setSelected] = useState(0);
  const list = useRef<VirtualListHandle | null>(null);
  const search = useRef<HTMLInputElement>(null);
  const latest = useRef(filters);
  latest.current = filters;
  const onSearch = useMemo(() => debounce((q: string) => setFilters({ ...latest.current, q }), 300), []);
  const query = { agent: filters.agent, harness: filters.harness, model: filters.model, since: filters.since, until: filters.until, sort: filters.sort, q: filters.q };
  const queryKey = JSON.stringify(query);

  const loadFirst = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const page = await getJson<PageJson<SessionJson>>('sessions', { ...query, limit: 100 }, signal);
        setSessions((previous) => {
          const before = new Map(previous.map((s) => [s.id, s]));
          const changed = page.items.filter((s) => before.size > 0 && before.get(s.id)?.turn_count !== s.turn_count).map((s) => s.id);
          if (changed.length > 0) setFresh(new Set(changed));
          // Keep rows of later pages already loaded, below the fresh first page.
          const firstIds = new Set(page.items.map((s) => s.id));
          return [...page.items, ...previous.slice(page.items.length).filter((s) => !firstIds.has(s.id))];
        });
        setCursor((c) => c ?? page.next_cursor);
        setError(undefined);
      } catch (err) {
        if ((err as Error).name !== 'AbortError') setError((err as Error).message);
      } finally {
        setLoading(false);
      }
    },
    [queryKey],
  );

  useEffect(() => {
    const controller = new AbortController();
    setSessions([]);
    setCursor(undefined);
    setLoading(true);
    void loadFirst(controller.signal);
    return () => controller.abort();
  }, [queryKey]);

  // Live: a stored turn refreshes the first page (a burst of turns → one refresh).
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = live.onTurn(() => {
      clearTimeout(timer);
      timer = setTimeout(() => void loadFirst(), 250);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [loadFirst]);

  const loadMore = async () => {
    if (!cursor) return;
    const page = await getJson<PageJson<SessionJson>>('sessions', { ...query, limit: 100, cursor });
    setSessions((previous) => [...previous, ...page.items.filter((s) => !previous.some((p) => p.id === s.id))]);
    setCursor(page.next_cursor);
  };

  useKeys(
    {
      '/': () => search.current?.focus(),
      j: () => move(1),
      ArrowDown: () => move(1),
      k: () => move(-1),
      ArrowUp: () => move(-1),
      Enter: () => {
        const s = sessions[selected];
        if (s) navigate(href(['sessions', s.id]));
      },
      Escape: () => search.current?.blur(),
    },
    [sessions, selected],
  );
  const move = (by: number) => {
    const next = Math.max(0, Math.min(sessions.length - 1, selected + by));
    setSelected(next);
    list.current?.scrollToIndex(next);
  };

  return (
    <section class="page sessions-page">
      <form class="toolbar" onSubmit={(e) => e.preventDefault()} role="search">
        <input
          ref={search}
          class="search"
          type="search"
          placeholder="Search messages, tool input and output  ( / )"
          aria-label="search"
          value={filters.q ?? ''}
          onInput={(e) => onSearch((e.target as HTMLInputElement).value)}
        />
        <input aria-label="agent" placeholder="agent" value={filters.agent ?? ''} onChange={(e) => setFilters({ ...filters, agent: (e.target as HTMLInputElement).value })} />
        <select aria-label="harness" value={filters.harness ?? ''} onChange={(e) => setFilters({ ...filters, harness: (e.target as HTMLSelectElement).value })}>
          <option value="">any harness</option>
          {['claude', 'codex', 'gemini', 'opencode', 'pi', 'unknown'].map((h) => (
            <option key={h} value={h}>
              {h}
            </option>
          ))}
        </select>
        <input aria-label="model" placeholder="model" value={filters.model ?? ''} onChange={(e) => setFilters({ ...filters, model: (e.target as HTMLInputElement).value })} />
        <label>
          from <input type="date" aria-label="since" value={filters.since ?? ''} onChange={(e) => setFilters({ ...filters, since: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          to <input type="date" aria-label="until" value={filters.until ?? ''} onChange={(e) => setFilters({ ...filters, until: (e.target as HTMLInputElement).value })} />
        </label>
        <select aria-label="sort" value={filters.sort ?? 'start'} onChange={(e) => setFilters({ ...filters, sort: (e.target as HTMLSelectElement).value })}>
          <option value="start">most recent</option>
          <option value="end">last active</option>
          <option value="cost">most expensive</option>
          <option value="tokens">most tokens</option>
        </select>
      </form>
      {filters.q ? <SearchResults q={filters.q} /> : null}
      {error && <div class="error-box">Could not load sessions: {error}</div>}
      {!loading && sessions.length === 0 && !error && <Empty filtered={Object.keys(query).some((k) => query[k as keyof typeof query])} />}
      <div class="session-list-wrap">
        <div class="session-row header" aria-hidden="true">
          <span>session</span>
          <span>harness</span>
          <span>turns</span>
          <span>threads</span>
          <span>tokens</span>
          <span>cost</span>
          <span>duration</span>
          <span>outcomes</span>
        </div>
        <VirtualList
          items={sessions}
          itemKey={(s) => s.id}
          estimate={() => 58}
          handle={list}
          label="sessions"
          class="sessions"
          onRendered={(_, last) => {
            if (last >= sessions.length - 5 && cursor) void loadMore();
          }}
          render={(s, i) => <SessionRow session={s} selected={i === selected} fresh={fresh.has(s.id)} />}
        />
      </div>
    </section>
  );
}

function SessionRow({ session: s, selected, fresh }: { session: SessionJson; selected: boolean; fresh: boolean }) {
  const title = s.name ?? s.first_prompt ?? s.id;
  return (
    <a class={`session-row${selected ? ' selected' : ''}${fresh ? ' fresh' : ''}`} href={href(['sessions', s.id])} data-session={s.id}>
      <span class="title">
        <span class="name">{truncate(title, 160)}</span>
        <span class="sub muted">
          {when(s.started_at)}
          {s.cwd && <> · {s.cwd}</>}
          {s.agent && <> · agent {s.agent}</>}
          {s.models.length > 0 && <> · {s.models.join(', ')}</>}
        </span>
      </span>
      <span>{s.harness.id ? `${s.harness.id}${s.harness.version ? ` ${s.harness.version}` : ''}` : '—'}</span>
      <span>{count(s.turn_count)}</span>
      <span>{s.thread_count}</span>
      <span title={tokenBreakdown(s.tokens)}>{count(s.tokens.total)}</span>
      <span>{usd(s.cost_usd)}</span>
      <span>{duration(s.duration_ms)}</span>
      <span class="outcomes">
        {s.outcomes.complete > 0 && <OutcomeBadge outcome="complete" n={s.outcomes.complete} />}
        {s.outcomes.partial > 0 && <OutcomeBadge outcome="partial" n={s.outcomes.partial} />}
        {s.outcomes.unreduced > 0 && <OutcomeBadge outcome="unreduced" n={s.outcomes.unreduced} />}
      </span>
    </a>
  );
}

/** Full-text hits (the read API's search): each a snippet with its matches marked, linking to its turn. */
function SearchResults({ q }: { q: string }) {
  const [hits, setHits] = useState<SearchHitJson[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const controller = new AbortController();
    setHits(undefined);
    getJson<PageJson<SearchHitJson>>('search', { q, limit: 50 }, controller.signal).then(
      (page) => setHits(page.items),
      (err: Error) => err.name !== 'AbortError' && setError(err.message),
    );
    return () => controller.abort();
  }, [q]);
  if (error) return <div class="error-box">Search failed: {error}</div>;
  if (!hits) return <div class="muted search-results">searching…</div>;
  return (
    <div class="search-results" aria-label="search results">
      <div class="muted">
        {hits.length === 0 ? 'no matches' : `${hits.length}${hits.length === 50 ? '+' : ''} matching turn${hits.length === 1 ? '' : 's'}`} for “{q}” — sessions containing it are listed below
      </div>
      {hits.map((hit) => (
        <a key={hit.turn_id} class="hit" href={hit.session_id ? href(['sessions', hit.session_id], { turn: hit.turn_id }) : href(['turns', hit.turn_id])} data-turn={hit.turn_id}>
          <Snippet text={hit.snippet} />
          <span class="muted">
            {when(hit.started_at)} · session {hit.session_id ? truncate(hit.session_id, 40) : '—'}
          </span>
        </a>
      ))}
    </div>
  );
}

/** "…the [upstream] call…": brackets become marks, as text (never HTML). */
export function Snippet({ text }: { text: string }) {
  const parts = text.split(/(\[[^\]]*\])/g);
  return (
    <span class="snippet">
      {parts.map((part, i) => (part.startsWith('[') && part.endsWith(']') && part.length > 2 ? <mark key={i}>{part.slice(1, -1)}</mark> : part))}
    </span>
  );
}

function Empty({ filtered }: { filtered: boolean }) {
  return (
    <div class="empty">
      {filtered ? (
        'No session matches these filters.'
      ) : (
        <>
          No sessions yet. Point an agent at this proxy (for Claude Code: <code>ANTHROPIC_BASE_URL=http://127.0.0.1:8080 claude</code>); its turns appear here as they are stored.
        </>
      )}
    </div>
  );
}

function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
