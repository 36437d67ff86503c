import { useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { ApiRequestError, apiRequest } from '../api.ts';
import { ErrorNotice } from '../components/error-notice.tsx';

const LINK_PROBLEMS: Record<string, string> = {
  link_expired: 'That sign-in link has expired. Ask for a fresh one below.',
  link_used: 'That sign-in link was already used. Ask for a fresh one below.',
  link_invalid: 'That sign-in link is not valid. Ask for a fresh one below.',
};

/** Only paths of this app are followed after sign-in, so a crafted link cannot send anyone away. */
function safeNext(next: string | undefined): string {
  return next && next.startsWith('/app/') && !next.startsWith('/app/sign-in') ? next : '/app/';
}

/** Sign-in by a one-time link sent to one's email. */
export function SignInPage() {
  const { query, path } = useLocation();
  const next = safeNext(query.next ?? (path.startsWith('/app/sign-in') ? undefined : path));
  const [email, setEmail] = useState(query.email ?? '');
  const [state, setState] = useState<{ kind: 'idle' } | { kind: 'sending' } | { kind: 'sent' } | { kind: 'failed'; error: Error }>({ kind: 'idle' });
  const problem = query.error ? LINK_PROBLEMS[query.error] : undefined;

  async function submit(event: Event) {
    event.preventDefault();
    setState({ kind: 'sending' });
    try {
      await apiRequest('/auth/sign-in-links', { method: 'POST', body: { email, next }, allowUnauthenticated: true });
      setState({ kind: 'sent' });
    } catch (error) {
      setState({ kind: 'failed', error: error instanceof ApiRequestError || error instanceof Error ? error : new Error(String(error)) });
    }
  }

  return (
    <main id="main" class="page sign-in">
      <h1>Sign in to npsloop</h1>
      {problem && (
        <p class="notice notice-warning" role="alert">
          {problem}
        </p>
      )}
      {state.kind === 'sent' ? (
        <p class="notice notice-success" role="status">
          If <strong>{email}</strong> may sign in, a link is on its way. It works once, within 15 minutes.
        </p>
      ) : (
        <form onSubmit={submit}>
          <label for="sign-in-email">Work email</label>
          <input
            id="sign-in-email"
            type="email"
            name="email"
            autoComplete="email"
            required
            value={email}
            onInput={(event) => setEmail(event.currentTarget.value)}
          />
          <button type="submit" disabled={state.kind === 'sending'}>
            {state.kind === 'sending' ? 'Sending…' : 'Email me a sign-in link'}
          </button>
          {state.kind === 'failed' && <ErrorNotice error={state.error} title="The link was not sent" />}
        </form>
      )}
    </main>
  );
}

/** The sign-in page's address opened by someone signed in: on to where it leads. */
export function AlreadySignedIn() {
  const { query, route } = useLocation();
  const next = safeNext(query.next);
  useEffect(() => route(next, true), [next]);
  return (
    <p class="muted" role="status">
      You are signed in. <a href={next}>Continue</a>
    </p>
  );
}
