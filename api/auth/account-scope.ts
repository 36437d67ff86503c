import type { FastifyRequest } from 'fastify';
import type { ReportViewer } from '../../reports/nps-report.ts';
import { principalOf } from './authenticate.ts';

/**
 * The CSM whose accounts the caller is limited to: a csm token sees only the accounts its CSM
 * owns now (`accounts.csm_id`), and the users on them; undefined for a role that sees every account.
 */
export function ownerCsmIdOf(request: FastifyRequest): number | undefined {
  const principal = principalOf(request);
  if (principal.role !== 'csm') return undefined;
  // The database holds every csm token to a CSM; a token without one must see nothing, not everything.
  if (principal.csmId === null) throw new Error(`csm token ${principal.tokenId} names no CSM`);
  return principal.csmId;
}

/** Whose figures the caller reads: everything, or (a csm token) its CSM's and everyone's under them. */
export function reportViewerOf(request: FastifyRequest): ReportViewer {
  const csmId = ownerCsmIdOf(request);
  return csmId === undefined ? { kind: 'everything' } : { kind: 'team_of', csmId };
}
