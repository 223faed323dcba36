export type Theme = 'light' | 'dark';

const KEY = 'tapes.theme';

/** The theme the person chose, else what the system prefers. */
export function initialTheme(): Theme {
  const saved = safeStorage()?.getItem(KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset['theme'] = theme;
  safeStorage()?.setItem(KEY, theme);
}

function safeStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}
