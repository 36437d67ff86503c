import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

/** Who is signed in, as GET /auth/session answers. */
export interface Session {
  email: string;
  /** The CSM's name; null for an admin who is not a CSM. */
  name: string | null;
  role: 'admin' | 'csm';
  csmId: number | null;
  isManager: boolean;
  csrfToken: string;
  expiresAt: string;
}

export const SessionContext = createContext<Session | null>(null);

/** The signed-in person; pages under the shell always have one. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}
