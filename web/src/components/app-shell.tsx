import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { apiRequest, setCsrfToken } from '../api.ts';
import { pages } from '../pages.ts';
import { useSession } from '../session.ts';

/** The header every signed-in page shares: where one can go, who is signed in, and sign-out. */
export function AppShell({ children }: { children: ComponentChildren }) {
  const session = useSession();
  const { path } = useLocation();
  const [signingOut, setSigningOut] = useState(false);
  const navigation = pages.filter((page) => page.nav?.roles.includes(session.role));

  async function signOut() {
    setSigningOut(true);
    try {
      await apiRequest('/auth/sign-out', { method: 'POST' });
    } finally {
      setCsrfToken(undefined);
      location.assign('/app/sign-in');
    }
  }

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="app-header">
        <a class="brand" href="/app/">
          npsloop
        </a>
        <nav aria-label="Main">
          <ul>
            {navigation.map((page) => {
              const current = path === page.path || path.startsWith(`${page.path}/`);
              return (
                <li key={page.path}>
                  <a href={page.path} aria-current={current ? 'page' : undefined}>
                    {page.nav!.label}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
        <div class="who">
          <span title={session.email}>{session.name ?? session.email}</span>
          <button type="button" class="link-button" onClick={signOut} disabled={signingOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" class="page" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
