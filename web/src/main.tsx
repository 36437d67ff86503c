import { render } from 'preact';
import { ErrorBoundary, LocationProvider, Route, Router } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { ApiRequestError, apiRequest, setCsrfToken } from './api.ts';
import { AppShell } from './components/app-shell.tsx';
import { ErrorNotice } from './components/error-notice.tsx';
import { pages } from './pages.ts';
import { type Session, SessionContext } from './session.ts';
import { AlreadySignedIn, SignInPage } from './pages/sign-in.tsx';
import { NotFoundPage } from './pages/not-found.tsx';
import './styles.css';

type SessionState = { kind: 'loading' } | { kind: 'signed-out' } | { kind: 'signed-in'; session: Session } | { kind: 'failed'; error: Error };

function App() {
  const [state, setState] = useState<SessionState>({ kind: 'loading' });
  useEffect(() => {
    apiRequest<Session>('/auth/session', { allowUnauthenticated: true }).then(
      (session) => {
        setCsrfToken(session.csrfToken);
        setState({ kind: 'signed-in', session });
      },
      (error: unknown) =>
        setState(error instanceof ApiRequestError && error.status === 401 ? { kind: 'signed-out' } : { kind: 'failed', error: error as Error }),
    );
  }, []);

  if (state.kind === 'loading') return <p class="page-status" role="status">Loading…</p>;
  if (state.kind === 'failed') return <main class="page"><ErrorNotice error={state.error} /></main>;
  if (state.kind === 'signed-out') {
    // Any address asks to sign in first, and leads back to itself after.
    return (
      <LocationProvider scope="/app/">
        <SignInPage />
      </LocationProvider>
    );
  }
  // One frame for every page: only the page inside it changes, so while the next page's code
  // loads there is still one header and one <main>.
  return (
    <LocationProvider scope="/app/">
      <SessionContext.Provider value={state.session}>
        <AppShell>
          <ErrorBoundary>
            <Router>
              <Route path="/app/sign-in" component={AlreadySignedIn} />
              {pages.map((page) => (
                <Route key={page.path} path={page.path} component={page.component} />
              ))}
              <Route default component={NotFoundPage} />
            </Router>
          </ErrorBoundary>
        </AppShell>
      </SessionContext.Provider>
    </LocationProvider>
  );
}

render(<App />, document.getElementById('app')!);
