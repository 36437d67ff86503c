import type { ApiRole } from '../tables/api-tokens.ts';

/** Who a request speaks for, whether it came with an API token or a web session's cookie. */
export interface ApiPrincipal {
  /** What proved it: a bearer token, or a session opened by a sign-in link. */
  source: { kind: 'token'; tokenId: number } | { kind: 'session'; sessionId: number };
  /** Who acts, as histories record it: the token's name, or the signed-in person's email. */
  name: string;
  role: ApiRole;
  /** Set for the csm role only: the CSM whose accounts and tasks it sees. */
  csmId: number | null;
}
