import { useEffect } from 'preact/hooks';

/** Keys typed into a field are the field's, not shortcuts. */
function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

/** Page-wide shortcuts: `keys` maps a key (`j`, `Enter`, `/`, `?`) to its action; true = handled. */
export function useKeys(keys: Record<string, (event: KeyboardEvent) => boolean | void>, deps: unknown[]): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (typing(event.target) && event.key !== 'Escape') return;
      const action = keys[event.key];
      if (action && action(event) !== false) event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, deps);
}
