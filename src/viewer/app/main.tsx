import 'uplot/dist/uPlot.min.css';
import './style.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { onTokenNeeded } from './api';
import { LogsPage } from './pages/logs';
import { MetricsPage } from './pages/metrics';
import { ScoresPage } from './pages/scores';
import { SessionPage, SessionsPage } from './pages/sessions';
import { TracePage } from './pages/trace';
import { TracesPage } from './pages/traces';
import { href, useRoute } from './router';

const SECTIONS: [string, string][] = [
  ['traces', 'Traces'],
  ['sessions', 'Sessions'],
  ['logs', 'Logs'],
  ['metrics', 'Metrics'],
  ['scores', 'Scores'],
];

interface TokenRequest {
  rejected: boolean;
  resolve: (token: string) => void;
}

/** Asks for the server's bearer token, once: the API keeps it in `sessionStorage` for this browser session. */
function TokenDialog({ request }: { request: TokenRequest }) {
  const [token, setToken] = useState('');
  return (
    <div class="overlay">
      <form
        class="token-dialog"
        aria-label="token"
        onSubmit={(event) => {
          event.preventDefault();
          if (token.trim()) request.resolve(token.trim());
        }}
      >
        <h2>This server needs a token</h2>
        <p>
          {request.rejected ? 'The token was not accepted. ' : ''}Enter the bearer token the server was started with (
          <code>--token</code>). It is kept for this browser session only.
        </p>
        <input
          type="password"
          name="token"
          autoFocus
          autoComplete="off"
          value={token}
          onInput={(event) => setToken(event.currentTarget.value)}
        />
        <button type="submit">Open</button>
      </form>
    </div>
  );
}

function App() {
  const route = useRoute();
  const [tokenRequest, setTokenRequest] = useState<TokenRequest | null>(null);
  useEffect(() => {
    // Requests that meet a 401 at once share one dialog.
    let pending: Promise<string> | null = null;
    onTokenNeeded((rejected) => {
      pending ??= new Promise<string>((resolve) =>
        setTokenRequest({
          rejected,
          resolve: (token) => {
            pending = null;
            setTokenRequest(null);
            resolve(token);
          },
        }),
      );
      return pending;
    });
  }, []);
  const [section] = route.path;
  useEffect(() => {
    if (section !== 'trace') document.title = `${section} · otel-bridge`;
  }, [section]);
  let page;
  switch (section) {
    case 'trace':
      page = <TracePage route={route} />;
      break;
    case 'sessions':
      page = <SessionsPage />;
      break;
    case 'session':
      page = <SessionPage route={route} />;
      break;
    case 'logs':
      page = <LogsPage route={route} />;
      break;
    case 'metrics':
      page = <MetricsPage route={route} />;
      break;
    case 'scores':
      page = <ScoresPage route={route} />;
      break;
    default:
      page = <TracesPage route={route} />;
  }
  const active = section === 'trace' ? 'traces' : section === 'session' ? 'sessions' : section;
  return (
    <>
      <header class="top">
        <a class="brand" href={href(['traces'])}>
          otel-bridge
        </a>
        <nav>
          {SECTIONS.map(([key, label]) => (
            <a key={key} href={href([key])} class={active === key ? 'active' : ''}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      <main key={section}>{page}</main>
      {tokenRequest && <TokenDialog request={tokenRequest} />}
    </>
  );
}

render(<App />, document.getElementById('app')!);
