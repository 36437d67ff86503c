import type { ApiRole } from '../../db/tables/api-tokens.ts';
import type { ApiPrincipal } from '../../db/queries/api-principal.ts';

/**
 * Who may call a route. Every route declares one (the server refuses to start otherwise), so
 * no route is open by omission.
 */
export type RouteAccess = { public: true; why: string } | { roles: readonly ApiRole[] };

export const publicRoute = (why: string): RouteAccess => ({ public: true, why });
export const rolesAllowed = (...roles: ApiRole[]): RouteAccess => ({ roles });

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** Who the request speaks for on authenticated routes (its token's or its session's). */
    principal?: ApiPrincipal;
  }
}
