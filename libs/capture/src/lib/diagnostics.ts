import type { Diagnostic, DiagnosticCode } from '@tapes/llm';

/**
 * Collects what went wrong while reducing one turn. Reducers report bad bytes here and carry on:
 * a single bad frame must not erase the whole turn, and callers want to see what happened instead
 * of silence (tapes `pkg/capture/reducer.go`).
 */
export class Diagnostics {
  private readonly items: Diagnostic[] = [];
  private readonly counts = new Map<string, number>();

  /** Repeats of the same code beyond this many are counted, not listed (a noisy stream stays small). */
  static readonly MAX_PER_CODE = 20;

  add(code: DiagnosticCode, detail: string, data?: Record<string, unknown>): void {
    const n = (this.counts.get(code) ?? 0) + 1;
    this.counts.set(code, n);
    if (n <= Diagnostics.MAX_PER_CODE) this.items.push(data ? { code, detail, data } : { code, detail });
  }

  has(code: DiagnosticCode): boolean {
    return this.counts.has(code);
  }

  /** The diagnostics in order, plus one summary line per code that overflowed. */
  list(): Diagnostic[] {
    const out = [...this.items];
    for (const [code, n] of this.counts) {
      if (n > Diagnostics.MAX_PER_CODE) {
        out.push({ code: code as DiagnosticCode, detail: `${n - Diagnostics.MAX_PER_CODE} more ${code} diagnostics not listed` });
      }
    }
    return out;
  }
}

/** A short, printable excerpt of untrusted text for a diagnostic detail. */
export function excerpt(text: string, max = 120): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
