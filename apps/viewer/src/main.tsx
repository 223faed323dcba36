import { render } from 'preact';
import { App } from './app';
import './styles.css';

performance.mark('tapes:boot');

// A token link (`/_tapes/?token=…`) has set the read cookie by now (#13): keep the token out of
// the address bar, the history and any bookmark.
const url = new URL(window.location.href);
if (url.searchParams.has('token')) {
  url.searchParams.delete('token');
  window.history.replaceState(null, '', `${url.pathname}${url.search}${url.hash}`);
}

render(<App />, document.getElementById('app') as HTMLElement);
