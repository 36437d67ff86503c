import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.ts';
import { csmReportingLines } from '../../db/queries/csms.ts';
import { teamOf } from '../../reports/csm-teams.ts';
import type { ReportViewer } from '../../reports/nps-report.ts';
import { principalOf } from './authenticate.ts';

/** The CSM a csm token acts for; undefined for a role that sees everything. */
function csmIdOf(request: FastifyRequest): number | undefined {
  const principal = principalOf(request);
  if (principal.role !== 'csm') return undefined;
  // The database holds every csm token to a CSM; a token without one must see nothing, not everything.
  if (principal.csmId === null) throw new Error(`${principal.name}, a csm ${principal.source.kind}, names no CSM`);
  return principal.csmId;
}

/**
 * The CSMs whose accounts (and the users on them, and the tasks assigned to them) the caller
 * sees: a csm token's own CSM and, for a manager, everyone under them at any depth: the team
 * reports use (reportViewerOf). Undefined for a role that sees every account. Every read route
 * scopes by this, so a CSM and a manager see the same accounts everywhere.
 */
export async function visibleCsmIdsOf(request: FastifyRequest, db: Kysely<Database>): Promise<readonly number[] | undefined> {
  const csmId = csmIdOf(request);
  return csmId === undefined ? undefined : teamOf(await csmReportingLines(db), csmId);
}

/** Whose figures the caller reads: everything, or (a csm token) its CSM's and everyone's under them. */
export function reportViewerOf(request: FastifyRequest): ReportViewer {
  const csmId = csmIdOf(request);
  return csmId === undefined ? { kind: 'everything' } : { kind: 'team_of', csmId };
}
