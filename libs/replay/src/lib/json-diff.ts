/** One place where two JSON documents differ: a path (`messages[2].content[0].text`) and both values, shortened. */
export interface JsonDifference {
  path: string;
  /** What the captured request had there (absent: the field was missing). */
  captured?: string;
  /** What the incoming request has there. */
  received?: string;
}

/** Longest value shown in a difference. */
const PREVIEW_CHARS = 120;

/**
 * Where two JSON documents differ, depth first, in document order: objects key by key, arrays
 * index by index (an array of another length differs at each extra index). `count` is every
 * difference; `differences` the first `limit` of them, what a 404 shows.
 */
export function jsonDifferences(captured: unknown, received: unknown, limit = 10): { count: number; differences: JsonDifference[] } {
  const differences: JsonDifference[] = [];
  let count = 0;
  const visit = (a: unknown, b: unknown, path: string): void => {
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) visit(a[i], b[i], `${path}[${i}]`);
      return;
    }
    if (isRecord(a) && isRecord(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) visit(a[key], b[key], path ? `${path}.${key}` : key);
      return;
    }
    if (same(a, b)) return;
    count += 1;
    if (differences.length < limit) differences.push({ path: path || '(body)', ...(a === undefined ? {} : { captured: preview(a) }), ...(b === undefined ? {} : { received: preview(b) }) });
  };
  visit(captured, received, '');
  return { count, differences };
}

function same(a: unknown, b: unknown): boolean {
  return a === b || (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b));
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
