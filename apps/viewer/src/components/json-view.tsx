import { useMemo } from 'preact/hooks';

/** Pretty JSON, folded behind its summary line when long (`open` to start unfolded). */
export function JsonView({ value, summary, open, foldOver = 12 }: { value: unknown; summary?: string; open?: boolean; foldOver?: number }) {
  const text = useMemo(() => (typeof value === 'string' ? value : JSON.stringify(value, null, 2) ?? 'undefined'), [value]);
  const lines = text.split('\n').length;
  if (lines <= foldOver && open !== false) return <pre class="json">{text}</pre>;
  return (
    <details class="fold" open={open}>
      <summary>{summary ?? `${lines} lines`}</summary>
      <pre class="json">{text}</pre>
    </details>
  );
}

/** Long text folded after its first lines, expandable. */
export function FoldedText({ text, lines = 12, label = 'output' }: { text: string; lines?: number; label?: string }) {
  const all = text.split('\n');
  if (all.length <= lines && text.length <= 2_000) return <pre class="output">{text}</pre>;
  const head = all.slice(0, lines).join('\n').slice(0, 2_000);
  return (
    <details class="fold output-fold">
      <summary>
        <pre class="output">{head}</pre>
        <span class="more">
          show all {label}: {all.length} lines, {text.length} characters
        </span>
      </summary>
      <pre class="output">{text}</pre>
    </details>
  );
}
