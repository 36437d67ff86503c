import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { syncAndRefresh } from '../../derived-state/sync-and-refresh.ts';
import { type SyncEntity, syncRecordSchemas } from '../../ingest/sync/schemas.ts';
import { SYNC_KIND_NAMES, SYNC_KINDS, type SyncKind } from '../../ingest/sync/sync-kinds.ts';
import type { SyncInput } from '../../ingest/sync/sync-batch.ts';
import { parseSyncCsv } from '../../ingest/sync/sync-csv.ts';
import type { OwnerChange } from '../../ingest/sync/sync-accounts.ts';
import { type HandoverReassignment, reassignTasksAfterHandover, tasksToHandOver } from '../../tasks/reassign-after-handover.ts';
import { type AppContext, openAppContext } from '../app-context.ts';
import { cliActor } from '../cli-actor.ts';
import { type CliTemporal, connectTemporal } from '../temporal-client.ts';
import { UsageError } from '../usage-error.ts';

// The singular names came first; they stay accepted so older scripts keep working.
const SINGULAR_ALIASES = Object.keys(syncRecordSchemas) as SyncEntity[];

export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description('add or update CSMs, accounts, users or tickets, keyed by externalId, from a CSV or JSON file')
    .argument('<entity>', `${SYNC_KIND_NAMES.join(' | ')}, as in the API's /sync/<entity> (the singular, e.g. csm, is accepted too)`)
    .argument('<file>', '.csv with a header row, or .json holding an array of records')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, file: string, options: { json?: boolean }) => {
      const entity = syncEntityNamed(name);
      if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
      const records = await readRecords(entity, file);
      const context = await openAppContext();
      try {
        const recordedBy = cliActor();
        const { result } = await syncAndRefresh(context.db.kysely, entity, records, context.npsSettings(), { recordedBy });
        const tasks = await handOverTasks(context, result.ownerChanges, recordedBy);
        if (options.json) {
          console.log(JSON.stringify({ ...result, tasksReassigned: tasks.reassigned, tasksNotReassigned: tasks.failed }, null, 2));
        } else {
          console.log(`${result.received} ${entity} records: ${result.upserted} upserted, ${result.rejected.length} rejected`);
          if (result.replay?.replayed) console.log(`${result.replay.replayed} waiting responses from these users were taken`);
          for (const change of result.ownerChanges) {
            console.log(`account ${change.accountId}: new owner from ${change.effectiveFrom.toISOString()}, ${change.recreditedResponses} responses re-credited`);
          }
          if (tasks.reassigned.length > 0) console.log(`follow-up tasks reassigned to the new owners: ${tasks.reassigned.join(', ')}`);
          for (const { taskId, reason } of tasks.failed) console.log(`  task ${taskId} not reassigned: ${reason}; npsloop tasks reassign ${taskId} --to <csm> when it can be`);
          for (const rejection of result.rejected.slice(0, 50)) {
            const where = rejection.line === undefined ? `record ${rejection.index}` : `line ${rejection.line}`;
            console.log(`  ${where}: ${rejection.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
          }
        }
        if (result.rejected.length > 0 || tasks.failed.length > 0) process.exitCode = 1;
      } finally {
        await context.db.close();
      }
    });
}

function syncEntityNamed(name: string): SyncEntity {
  if (Object.hasOwn(SYNC_KINDS, name)) return SYNC_KINDS[name as SyncKind];
  if ((SINGULAR_ALIASES as string[]).includes(name)) return name as SyncEntity;
  throw new UsageError(`unknown entity "${name}"; expected one of ${SYNC_KIND_NAMES.join(', ')}`);
}

/** Open follow-up tasks since a handover go to the new owner, through Temporal when there are any. */
async function handOverTasks(context: AppContext, changes: readonly OwnerChange[], recordedBy: string): Promise<HandoverReassignment> {
  const waiting = await tasksToHandOver(context.db.kysely, changes);
  if (waiting.length === 0) return { reassigned: [], failed: [] };
  let temporal: CliTemporal;
  try {
    temporal = await connectTemporal(context.config, 'reassigning the follow-up tasks of a handover');
  } catch (error) {
    return { reassigned: [], failed: waiting.map(({ taskId }) => ({ taskId, reason: (error as Error).message })) };
  }
  try {
    return await reassignTasksAfterHandover({ db: context.db.kysely, temporal: temporal.client }, waiting, recordedBy);
  } finally {
    await temporal.close();
  }
}

async function readRecords(entity: SyncEntity, file: string): Promise<SyncInput> {
  if (path.extname(file).toLowerCase() === '.csv') return parseSyncCsv(entity, fs.createReadStream(file));
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new UsageError(`${file}: expected a JSON array of ${entity} records`);
  return parsed;
}
