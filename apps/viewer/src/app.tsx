import { useEffect, useState } from 'preact/hooks';
import { live, type LiveState } from './api/live';
import { useKeys } from './lib/keyboard';
import { href, useRoute } from './lib/router';
import { applyTheme, initialTheme, type Theme } from './lib/theme';
import { SessionPage } from './pages/session-page';
import { SessionsPage } from './pages/sessions-page';
import { TurnPage } from './pages/turn-page';

const KEYS: [string, string][] = [
  ['/', 'search sessions'],
  ['j / k', 'next / previous session, or turn in a transcript'],
  ['Enter', 'open the selected session'],
  ['[ / ]', 'previous / next thread'],
  ['b', 'branches ↔ transcript'],
  ['g / G', 'top / bottom of a transcript'],
  ['u', 'up: back to the list'],
  ['t', 'light / dark'],
  ['?', 'this help'],
];

export function App() {
  const route = useRoute();
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [state, setState] = useState<LiveState>(live.state);
  const [help, setHelp] = useState(false);
  useEffect(() => applyTheme(theme), [theme]);
  useEffect(() => live.onState(setState), []);
  useKeys({ t: () => setTheme(theme === 'dark' ? 'light' : 'dark'), '?': () => setHelp(!help), Escape: () => (help ? setHelp(false) : false) }, [theme, help]);

  const page = route.path[0];
  return (
    <div class="app">
      <header class="topbar">
        <a class="brand" href={href([])}>
          tapes
        </a>
        <nav>
          <a href={href([])}>Sessions</a>
        </nav>
        <span class={`live ${state}`} title="new turns appear without reloading while this is live" data-live={state}>
          {state === 'live' ? '● live' : state === 'connecting' ? '○ connecting' : '○ offline — retrying'}
        </span>
        <button type="button" class="icon" onClick={() => setHelp(!help)} title="keyboard shortcuts (?)">
          ?
        </button>
        <button type="button" class="icon" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} title="light / dark (t)" aria-label="toggle theme">
          {theme === 'dark' ? '☀' : '☾'}
        </button>
      </header>
      {help && (
        <div class="help" role="dialog" aria-label="keyboard shortcuts">
          <table>
            <tbody>
              {KEYS.map(([key, what]) => (
                <tr key={key}>
                  <th>
                    <kbd>{key}</kbd>
                  </th>
                  <td>{what}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <main>{page === 'sessions' && route.path[1] ? <SessionPage route={route} /> : page === 'turns' && route.path[1] ? <TurnPage route={route} /> : <SessionsPage route={route} />}</main>
    </div>
  );
}
