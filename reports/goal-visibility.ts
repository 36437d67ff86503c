import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { teamOf } from './csm-teams.ts';
import type { GoalDefinition } from './goal-definition.ts';
import type { ReportViewer } from './nps-report.ts';

/**
 * Whether a reader may see a goal, as with reports: company and segment goals are the company's
 * figures, which everyone sees; a CSM's or a team's goal is seen by that CSM or manager and by
 * those above them in the chain.
 */
export async function goalVisibility(db: Kysely<Database>, viewer: ReportViewer): Promise<(definition: GoalDefinition) => boolean> {
  if (viewer.kind === 'everything') return () => true;
  const csms = await db.selectFrom('csms').select(['id', 'external_id', 'manager_id']).execute();
  const team = new Set(teamOf(csms.map((c) => ({ id: c.id, managerId: c.manager_id })), viewer.csmId));
  const visible = new Set(csms.filter((c) => team.has(c.id)).map((c) => c.external_id));
  return ({ scope }) => (scope.kind === 'csm' || scope.kind === 'team' ? visible.has(scope.csm) : true);
}
