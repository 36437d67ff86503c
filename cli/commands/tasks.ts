import type { Command } from 'commander';
import { loadConfig } from '../../config/config.ts';
import { listTasks, type TaskView } from '../../db/queries/tasks.ts';
import { TASK_STATUSES, type TaskStatus } from '../../db/tables/tasks.ts';
import { completeTaskAndTellJourney } from '../../tasks/complete-task.ts';
import { reassignTaskAndTellJourney } from '../../tasks/reassign-task.ts';
import { resolveAssignee } from '../../tasks/resolve-assignee.ts';
import { cliActor } from '../cli-actor.ts';
import { formatMinute, formatTable } from '../format-output.ts';
import { changeTask, readTasks } from '../task-access.ts';
import { UsageError } from '../usage-error.ts';

const THROUGH_JOURNEY =
  "goes through the task's journey: on the embedded setup, through the running `npm start` (its API and the admin token in the data folder); with TEMPORAL_ADDRESS, directly";

const BY_HELP = 'who acted, as the task and its journey record it (through a running `npm start`, its admin token\'s name is recorded instead)';

export function registerTasksCommand(program: Command): void {
  const tasks = program.command('tasks').description('follow-up tasks for CSMs, from the detractor follow-up journey');

  tasks
    .command('list')
    .description('follow-up tasks, soonest due first (while `npm start` holds the embedded database, read through its API)')
    .option('--assignee <csm>', 'only those assigned to this CSM (id or email)')
    .option('--status <status>', `only those with this status: ${TASK_STATUSES.join(', ')}`)
    .option('--overdue', 'only open tasks past their due time')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print JSON')
    .action(async (options: { assignee?: string; status?: string; overdue?: boolean; limit: string; json?: boolean }) => {
      const status = options.status === undefined ? undefined : taskStatus(options.status);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit <= 0 || limit > 1_000) throw new UsageError('--limit: expected a whole number from 1 to 1000');
      const now = new Date();
      const { tasks: found, total } = await readTasks(loadConfig(), {
        database: async (db) => {
          const assigneeCsmId = options.assignee === undefined ? undefined : (await resolveAssignee(db, options.assignee)).id;
          return listTasks(db, { assigneeCsmIds: assigneeCsmId === undefined ? undefined : [assigneeCsmId], status, overdueAt: options.overdue ? now : undefined, limit });
        },
        runningInstance: (instance) => instance.listTasks({ assignee: options.assignee, status, overdue: options.overdue, limit }),
      });
      if (options.json) {
        console.log(JSON.stringify(found.map((task) => ({ ...task, overdue: isOverdue(task, now) })), null, 2));
        return;
      }
      console.log(formatTable(found.map((task) => taskRow(task, now))));
      if (total > found.length) console.log(`(${found.length} of ${total}: raise --limit for more)`);
    });

  tasks
    .command('complete')
    .description(`complete a task with its outcome: closes it and ends its journey with that outcome; ${THROUGH_JOURNEY}`)
    .argument('<id>', 'the task id (npsloop tasks list)')
    .requiredOption('--outcome <text>', "what was done: shown on the user's timeline")
    .option('--by <name>', BY_HELP, cliActor())
    .action(async (id: string, options: { outcome: string; by: string }, command: Command) => {
      const taskId = taskIdOf(id);
      const outcome = options.outcome.trim();
      if (outcome === '') throw new UsageError('--outcome: say what was done');
      const { task, journey } = await changeTask(loadConfig(), 'completing a task', {
        directly: (deps) => completeTaskAndTellJourney(deps, taskId, { actor: { name: options.by }, outcome }),
        runningInstance: (instance) => {
          warnByNotPassedOn(command);
          return instance.completeTask(taskId, outcome);
        },
      });
      console.log(`task ${task.id} done by ${task.completedBy}: ${task.outcome}`);
      console.log(journey === 'signalled' ? `journey ${task.workflowId} told: it ends with this outcome` : `journey ${task.workflowId} had already ended: only the task was closed`);
    });

  tasks
    .command('reassign')
    .description(`give an open task to another CSM, who gets its email; the due time stays, and escalation goes on from their manager chain; ${THROUGH_JOURNEY}`)
    .argument('<id>', 'the task id (npsloop tasks list)')
    .requiredOption('--to <csm>', 'the new assignee: a CSM email or id')
    .option('--reason <text>', 'why, kept in the journey\'s history')
    .option('--by <name>', BY_HELP, cliActor())
    .action(async (id: string, options: { to: string; reason?: string; by: string }, command: Command) => {
      const taskId = taskIdOf(id);
      const change = { assignee: options.to, reason: options.reason?.trim() || null };
      const { task, changed } = await changeTask(loadConfig(), 'reassigning a task', {
        directly: (deps) => reassignTaskAndTellJourney(deps, taskId, { actor: { name: options.by }, ...change }),
        runningInstance: (instance) => {
          warnByNotPassedOn(command);
          return instance.reassignTask(taskId, change);
        },
      });
      console.log(changed ? `task ${task.id} reassigned to ${task.assignee.email}; due ${task.dueAt.toISOString()}` : `task ${task.id} is already assigned to ${task.assignee.email}: nothing changed`);
    });
}

/** The API records its token as who acted: say so rather than drop a name given on purpose. */
function warnByNotPassedOn(command: Command): void {
  if (command.getOptionValueSource('by') === 'cli') console.error("npsloop: --by is not passed on through the running npm start: its API records its admin token's name as who acted");
}

function taskStatus(text: string): TaskStatus {
  if (!(TASK_STATUSES as readonly string[]).includes(text)) throw new UsageError(`--status: expected one of ${TASK_STATUSES.join(', ')}, not "${text}"`);
  return text as TaskStatus;
}

function taskIdOf(text: string): number {
  const id = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647) throw new UsageError(`<id>: expected a task id (a whole number), not "${text}"`);
  return id;
}

const isOverdue = (task: TaskView, now: Date) => task.status === 'open' && task.dueAt < now;


function taskRow(task: TaskView, now: Date): Record<string, string> {
  return {
    id: String(task.id),
    status: isOverdue(task, now) ? 'overdue' : task.status,
    due: formatMinute(task.dueAt),
    level: String(task.escalationLevel),
    assignee: task.assignee.email,
    user: task.user.email,
    account: task.account.name,
    score: String(task.response.score),
    outcome: task.outcome ?? '',
  };
}
