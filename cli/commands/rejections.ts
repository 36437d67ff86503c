import type { Command } from 'commander';
import { listRejections } from '../../db/queries/rejected-responses.ts';
import type { RejectedResponse } from '../../db/tables/rejected-responses.ts';
import { openAppContext } from '../app-context.ts';
import { formatMinute, printRows } from '../format-output.ts';
import { UsageError } from '../usage-error.ts';

export function registerRejectionsCommand(program: Command): void {
  program
    .command('rejections')
    .description('responses that were not taken, with the reason and where (field path, CSV line)')
    .option('--source <name>', 'one source only')
    .option('--reason <reason>', 'unknown_user | invalid')
    .option('--all', 'include unknown-user responses already replayed')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action(async (options: { source?: string; reason?: string; all?: boolean; limit: string; json?: boolean }) => {
      if (options.reason && options.reason !== 'unknown_user' && options.reason !== 'invalid') {
        throw new UsageError(`--reason: expected unknown_user or invalid, got ${options.reason}`);
      }
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit <= 0 || limit > 1_000) throw new UsageError('--limit: expected a whole number from 1 to 1000');
      const context = await openAppContext();
      try {
        const rows = await listRejections(context.db.kysely, {
          ...(options.source ? { source: options.source } : {}),
          ...(options.reason ? { reason: options.reason as 'unknown_user' | 'invalid' } : {}),
          pendingOnly: !options.all,
          limit,
        });
        printRows(rows.map(rejectionView), options, (r) => ({
          id: String(r.id),
          source: r.source,
          reason: r.reason,
          line: r.line === null ? '' : String(r.line),
          email: r.email ?? '',
          problems: r.issues.map((i) => `${i.path} ${i.message}`).join('; '),
          received: formatMinute(r.receivedAt),
        }));
      } finally {
        await context.db.close();
      }
    });
}

/** A rejection named in camelCase, as the API names everything it gives. */
function rejectionView(row: RejectedResponse) {
  return {
    id: row.id,
    source: row.source,
    reason: row.reason,
    issues: row.issues,
    line: row.line,
    email: row.email,
    sourceResponseId: row.source_response_id,
    payload: row.payload,
    response: row.response,
    receivedAt: row.received_at,
    replayedAt: row.replayed_at,
    replayedResponseId: row.replayed_response_id,
  };
}
