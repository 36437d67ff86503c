import type { Kysely } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import * as initialSchema from './migrations/2026-11-24T12-00-00_initial-schema.ts';
import * as rulesHealthLists from './migrations/2026-11-24T14-00-00_rules-health-lists.ts';
import * as emails from './migrations/2026-11-24T15-00-00_emails.ts';
import * as journeysTasks from './migrations/2026-11-24T15-30-00_journeys-tasks.ts';
import * as reviewLinkClicks from './migrations/2026-11-24T16-00-00_review-link-clicks.ts';
import * as responseWorkflowStarts from './migrations/2026-11-24T16-30-00_response-workflow-starts.ts';
import * as apiTokensWebhookEvents from './migrations/2026-11-29T12-00-00_api-tokens-webhook-events.ts';
import * as responseWorkflowStartLeases from './migrations/2026-12-04T14-00-00_response-workflow-start-leases.ts';
import * as accountOwnerChanges from './migrations/2026-12-04T22-00-00_account-owner-changes.ts';
import * as goals from './migrations/2026-12-04T22-30-00_goals.ts';
import * as emailsPeopleActOn from './migrations/2026-12-05T01-00-00_emails-people-act-on.ts';
import * as webSignIn from './migrations/2026-12-05T03-30-00_web-sign-in.ts';
import * as journeyVersions from './migrations/2026-12-05T06-00-00_journey-versions.ts';
import * as derivedStateChanges from './migrations/2026-12-05T07-00-00_derived-state-changes.ts';

// Listed statically so migrations run the same from source, a build, or a bundle.
const migrations: Record<string, Migration> = {
  '2026-11-24T12-00-00_initial-schema': initialSchema,
  '2026-11-24T14-00-00_rules-health-lists': rulesHealthLists,
  '2026-11-24T15-00-00_emails': emails,
  '2026-11-24T15-30-00_journeys-tasks': journeysTasks,
  '2026-11-24T16-00-00_review-link-clicks': reviewLinkClicks,
  '2026-11-24T16-30-00_response-workflow-starts': responseWorkflowStarts,
  '2026-11-29T12-00-00_api-tokens-webhook-events': apiTokensWebhookEvents,
  '2026-12-04T14-00-00_response-workflow-start-leases': responseWorkflowStartLeases,
  '2026-12-04T22-00-00_account-owner-changes': accountOwnerChanges,
  '2026-12-04T22-30-00_goals': goals,
  '2026-12-05T01-00-00_emails-people-act-on': emailsPeopleActOn,
  '2026-12-05T03-30-00_web-sign-in': webSignIn,
  '2026-12-05T06-00-00_journey-versions': journeyVersions,
  '2026-12-05T07-00-00_derived-state-changes': derivedStateChanges,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema up to date; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
