import type { TokensJson } from '../api/types';

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat('en');

/** 1234 → "1.2K"; exact in the title attribute where it matters. */
export function count(n: number): string {
  return n < 10_000 ? whole.format(n) : compact.format(n);
}

export function exact(n: number): string {
  return whole.format(n);
}

export function usd(value: number | null): string {
  if (value === null) return '—';
  if (value === 0) return '$0';
  if (value < 0.01) return `$${value.toFixed(4)}`;
  return `$${value.toFixed(2)}`;
}

export function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const s = ms / 1_000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function when(iso: string | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** "3 min ago", for lists that update live. */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, (now - Date.parse(iso)) / 1_000);
  if (s < 45) return 'just now';
  if (s < 3_600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3_600)} h ago`;
  return when(iso);
}

/** Every token count, for a tooltip: input, output, cache writes and reads, thinking. */
export function tokenBreakdown(t: TokensJson): string {
  return `input ${exact(t.input)} · output ${exact(t.output)} · cache write ${exact(t.cache_write)} · cache read ${exact(t.cache_read)} · thinking ${exact(t.reasoning)} · total ${exact(t.total)}`;
}

export function shortHash(hash: string): string {
  return hash.slice(0, 10);
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
