import { useLocation } from 'preact-iso';
import { useEffect } from 'preact/hooks';
import { useSession } from '../session.ts';

/** /app/ has no page of its own: a CSM starts at their tasks, an admin at the accounts. */
export function HomePage() {
  const session = useSession();
  const { route } = useLocation();
  useEffect(() => {
    route(session.role === 'csm' ? '/app/tasks' : '/app/accounts', true);
  }, [session.role, route]);
  return (
    <p class="muted" role="status">
      Opening {session.role === 'csm' ? 'your tasks' : 'the accounts'}…
    </p>
  );
}
