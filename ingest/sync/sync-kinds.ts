import type { SyncEntity } from './schemas.ts';

/**
 * The names the sync's entities go by outside the code: the API's URLs (/sync/csms) and the
 * CLI's `npsloop sync csms`. One vocabulary, so what works in one works in the other.
 */
export const SYNC_KINDS = { csms: 'csm', accounts: 'account', users: 'user', tickets: 'ticket' } as const satisfies Record<string, SyncEntity>;

export type SyncKind = keyof typeof SYNC_KINDS;

export const SYNC_KIND_NAMES = Object.keys(SYNC_KINDS) as [SyncKind, ...SyncKind[]];
