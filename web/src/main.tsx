import { type ComponentType, render } from 'preact';
import { ErrorBoundary, LocationProvider, Route, Router } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { ApiRequestError, apiRequest, setCsrfToken } from './api.ts';
import { AppShell } from './components/app-shell.tsx';
import { ErrorNotice } from './components/error-notice.tsx';
import { pages } from './pages.ts';
import { type Session, SessionContext } from './session.ts';
import { SignInPage } from './pages/sign-in.tsx';
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
  const session = state.kind === 'signed-in' ? state.session : null;
  return (
    <LocationProvider scope="/app/">
      <SessionContext.Provider value={session}>
        <ErrorBoundary>
          <Router>
            <Route path="/app/sign-in" component={SignInPage} />
            {pages.map((page) => (
              <Route key={page.path} path={page.path} component={session ? withShell(page.component) : SignInPage} />
            ))}
            <Route default component={session ? withShell(NotFoundPage) : SignInPage} />
          </Router>
        </ErrorBoundary>
      </SessionContext.Provider>
    </LocationProvider>
  );
}

const shelled = new Map<unknown, unknown>();
/** The page inside the header and navigation; one wrapper per page, so routes keep their identity. */
function withShell<P extends object>(Page: ComponentType<P>) {
  let wrapped = shelled.get(Page) as ((props: P) => preact.JSX.Element) | undefined;
  if (!wrapped) {
    wrapped = (props: P) => (
      <AppShell>
        <Page {...props} />
      </AppShell>
    );
    shelled.set(Page, wrapped);
  }
  return wrapped;
}

render(<App />, document.getElementById('app')!);
