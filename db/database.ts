import type { AccountNpsSnapshotsTable } from './tables/account-nps-snapshots.ts';
import type { AccountOwnershipTable } from './tables/account-ownership.ts';
import type { AccountsTable } from './tables/accounts.ts';
import type { CsmsTable } from './tables/csms.ts';
import type { NpsResponsesTable } from './tables/nps-responses.ts';
import type { RejectedResponsesTable } from './tables/rejected-responses.ts';
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
}
