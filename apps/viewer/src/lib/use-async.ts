import { useEffect, useState } from 'preact/hooks';

export type Async<T> = { state: 'loading'; value?: T } | { state: 'ready'; value: T } | { state: 'error'; error: Error; value?: T };

/**
 * Loads `load()` whenever `deps` change (an earlier load is aborted), and again when `reload`
 * changes: the previous value stays shown while the new one loads, so a live refresh never blanks
 * the page.
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Async<T> {
  const [result, setResult] = useState<Async<T>>({ state: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    setResult((previous) => ({ state: 'loading', ...(previous.value !== undefined ? { value: previous.value } : {}) }));
    load(controller.signal).then(
      (value) => {
        if (!controller.signal.aborted) setResult({ state: 'ready', value });
      },
      (error: Error) => {
        if (!controller.signal.aborted) setResult((previous) => ({ state: 'error', error, ...(previous.value !== undefined ? { value: previous.value } : {}) }));
      },
    );
    return () => controller.abort();
  }, deps);
  return result;
}
