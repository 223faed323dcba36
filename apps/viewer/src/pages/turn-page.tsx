import { apiUrl, getJson } from '../api/client';
import type { TurnDecodedJson, TurnDetailJson } from '../api/types';
import { JsonView, FoldedText } from '../components/json-view';
import { MessageView } from '../components/message';
import { TurnMeta } from '../components/turn-meta';
import { VirtualList } from '../components/virtual-list';
import { exact } from '../lib/format';
import { useKeys } from '../lib/keyboard';
import { href, navigate, type Route } from '../lib/router';
import { useAsync } from '../lib/use-async';

type Frame = TurnDecodedJson['response']['frames'][number];

/** One turn as captured: headers as stored, the response decoded into its events, the raw bytes to download. */
export function TurnPage({ route }: { route: Route }) {
  const id = route.path[1] ?? '';
  const detail = useAsync((signal) => getJson<TurnDetailJson>(`turns/${encodeURIComponent(id)}`, {}, signal), [id]);
  const decoded = useAsync((signal) => getJson<TurnDecodedJson>(`turns/${encodeURIComponent(id)}/decoded`, {}, signal), [id]);
  const t = detail.value;
  useKeys({ u: () => back(), Backspace: () => back() }, [t]);
  const back = () => navigate(t?.session_id ? href(['sessions', t.session_id], { thread: t.thread_id, turn: t.id }) : href([]));

  if (detail.state === 'error') return <section class="page error-box">Could not load turn {id}: {detail.error.message}</section>;
  if (!t) return <section class="page muted loading">loading turn…</section>;
  const answer = t.outcome !== 'unreduced' ? t.messages.at(-1) : undefined;
  return (
    <section class="page turn-page">
      <header class="session-header">
        {t.session_id ? (
          <a class="back" href={href(['sessions', t.session_id], { thread: t.thread_id, turn: t.id })}>
            ← session
          </a>
        ) : (
          <a class="back" href={href([])}>
            ← sessions
          </a>
        )}
        <h1>Turn {t.id}</h1>
        <div class="facts">
          <span>
            {t.method ?? 'POST'} {t.path ?? ''} → {t.status ?? '—'}
          </span>
          <span>{t.provider}{t.api ? ` · ${t.api}` : ''}</span>
          <span>captured by the {t.capture_site}</span>
          <span>{t.harness.id ? `${t.harness.id} ${t.harness.version ?? ''}` : 'harness unknown'}</span>
          <span>{t.thread_id === '' ? 'main thread' : `thread ${t.thread_id}`}</span>
          <span class="muted">request {t.request_id}</span>
        </div>
      </header>
      <TurnMeta turn={t} />
      <div class="downloads">
        <a class="button" href={apiUrl(`turns/${encodeURIComponent(t.id)}/raw`, { part: 'response' })} download data-download="response">
          Download the response as captured ({t.response_bytes === null ? '—' : `${exact(t.response_bytes)} bytes`}
          {t.response_content_encoding ? `, ${t.response_content_encoding}` : ''})
        </a>
        <a class="button" href={apiUrl(`turns/${encodeURIComponent(t.id)}/raw`, { part: 'request' })} download data-download="request">
          Download the request ({t.request_bytes === null ? '—' : `${exact(t.request_bytes)} bytes`})
        </a>
      </div>
      {answer && (
        <section>
          <h2>Answer</h2>
          <MessageView node={answer} ctx={{}} />
        </section>
      )}
      <section>
        <h2>Request</h2>
        {decoded.value ? (
          <>
            {decoded.value.request.error && <div class="error-box">{decoded.value.request.error}</div>}
            <p class="muted">
              {decoded.value.request.messages} messages · model {decoded.value.request.model ?? '—'}
            </p>
            {decoded.value.request.system && (
              <details class="fold">
                <summary>system prompt ({decoded.value.request.system.length} characters)</summary>
                <FoldedText text={decoded.value.request.system} lines={60} label="system prompt" />
              </details>
            )}
            <JsonView value={decoded.value.request.settings} summary="settings" open={false} />
          </>
        ) : (
          <DecodedState state={decoded.state} error={decoded.state === 'error' ? decoded.error.message : undefined} />
        )}
        <Headers title="Request headers (as stored: credentials redacted)" headers={t.request_headers} />
      </section>
      <section>
        <h2>Response</h2>
        <Headers title="Response headers" headers={t.response_headers} />
        {decoded.value ? <DecodedResponse decoded={decoded.value} /> : <DecodedState state={decoded.state} error={decoded.state === 'error' ? decoded.error.message : undefined} />}
      </section>
    </section>
  );
}

function DecodedState({ state, error }: { state: string; error: string | undefined }) {
  return state === 'error' ? <div class="error-box">Could not decode: {error}</div> : <div class="muted">decoding…</div>;
}

function Headers({ title, headers }: { title: string; headers: Record<string, string | string[]> | null }) {
  const entries = Object.entries(headers ?? {});
  return (
    <details class="fold headers" open>
      <summary>
        {title} — {entries.length}
      </summary>
      <table>
        <tbody>
          {entries.map(([name, value]) => (
            <tr key={name}>
              <th>{name}</th>
              <td>{Array.isArray(value) ? value.join(', ') : value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

function DecodedResponse({ decoded }: { decoded: TurnDecodedJson }) {
  const r = decoded.response;
  return (
    <div class="decoded">
      <p class="muted">
        {r.content_type ?? 'no content type'} · {exact(r.stored_bytes)} bytes stored
        {r.content_encoding ? `, ${r.content_encoding}: ${r.decode.outcome} to ${exact(r.decoded_bytes)} bytes` : ''} ·{' '}
        {r.format === 'sse' ? `${r.total_frames} server-sent events` : r.format === 'ndjson' ? `${r.total_frames} NDJSON lines` : r.format === 'json' ? 'one JSON document' : 'empty body'}
        {r.total_frames > r.frames.length ? ` (the first ${r.frames.length} shown)` : ''}
      </p>
      {r.decode.message && <div class="notice">{r.decode.message}</div>}
      {r.diagnostics.map((d, i) => (
        <div key={i} class="notice">
          {d.code}: {d.detail}
        </div>
      ))}
      {r.frames.length > 0 && (
        <div class="frames-wrap">
          <VirtualList<Frame>
            items={r.frames}
            itemKey={(_, i) => String(i)}
            estimate={(f) => (typeof f.data === 'string' ? 40 : 60)}
            class="frames"
            label="response events"
            render={(frame, i) => (
              <div class="frame" data-event={frame.event ?? ''}>
                <span class="frame-index muted">#{i + 1}</span> <span class="event-name">{frame.event ?? (r.format === 'ndjson' ? 'line' : 'body')}</span>
                <JsonView value={frame.data} summary={summarize(frame.data)} foldOver={r.format === 'json' ? 40 : 6} />
              </div>
            )}
          />
        </div>
      )}
    </div>
  );
}

function summarize(data: unknown): string {
  if (typeof data === 'string') return data.slice(0, 80);
  const text = JSON.stringify(data) ?? '';
  return text.length > 100 ? `${text.slice(0, 99)}…` : text;
}
