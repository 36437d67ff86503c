import type { AccountHealthChangesTable } from './tables/account-health-changes.ts';
import type { AccountHealthTable } from './tables/account-health.ts';
import type { AccountNpsSnapshotsTable } from './tables/account-nps-snapshots.ts';
import type { AccountOwnershipTable } from './tables/account-ownership.ts';
import type { AccountsTable } from './tables/accounts.ts';
import type { CsmsTable } from './tables/csms.ts';
import type { ListMembersTable } from './tables/list-members.ts';
import type { ListMembershipEventsTable } from './tables/list-membership-events.ts';
import type { NpsResponsesTable } from './tables/nps-responses.ts';
import type { RejectedResponsesTable } from './tables/rejected-responses.ts';
import type { RuleVersionsTable } from './tables/rule-versions.ts';
import type { RulesTable } from './tables/rules.ts';
import type { SourceSyncStateTable } from './tables/source-sync-state.ts';
import type { TicketsTable } from './tables/tickets.ts';
import type { UsersTable } from './tables/users.ts';

export interface Database {
  csms: CsmsTable;
  accounts: AccountsTable;
  account_ownership: AccountOwnershipTable;
  users: UsersTable;
  nps_responses: NpsResponsesTable;
  rejected_responses: RejectedResponsesTable;
  tickets: TicketsTable;
  account_nps_snapshots: AccountNpsSnapshotsTable;
  source_sync_state: SourceSyncStateTable;
  rules: RulesTable;
  rule_versions: RuleVersionsTable;
  account_health: AccountHealthTable;
  account_health_changes: AccountHealthChangesTable;
  list_members: ListMembersTable;
  list_membership_events: ListMembershipEventsTable;
}
