import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/database.ts';
import type { EnrollmentStatus } from '../../../journeys/enrollment-status.ts';
import type { TaskStatus } from '../../../db/tables/tasks.ts';
import type { FaultSmtpServer } from './fault-smtp-server.ts';
import { workflowStatuses } from './workflow-checks.ts';

/** Where one user's journey must end up once the system has drained. */
export interface ExpectedJourney {
  userEmail: string;
  journey: 'detractor-follow-up' | 'promoter-review-request';
  enrollment: EnrollmentStatus;
  /** The journey workflow's status. */
  workflow: 'RUNNING' | 'COMPLETED';
  /** Each task once, by escalation level: its assignee and status. */
  tasks: { level: number; assignee: string; status: TaskStatus }[];
  /** Each email once: the step ending its idempotency key (`task-0-email`, `review-request`) and the recipient. */
  emails: { step: string; to: string }[];
}

export interface JourneysOutcome {
  /** Expected enrollments, tasks and emails (received over SMTP) that are there. */
  enrollments: number;
  tasks: number;
  emails: number;
  missing: { enrollments: number; tasks: number; emails: number };
  duplicates: { enrollments: number; tasks: number; emails: number };
  /**
   * Copies of an email sent again because the worker was SIGKILLed just after the SMTP server
   * accepted it and before the row was marked sent: SMTP has no idempotency, so this window is
   * at-least-once by design (activities/send-email.ts), with the same Message-ID. Counted apart
   * from `duplicates`, which are copies that window does not explain.
   */
  redeliveredAfterKill: number;
  /** Anything else wrong, one line each: a wrong assignee, status or recipient, an unexpected task or email. */
  wrong: string[];
  lost: number;
  duplicated: number;
}

/**
 * A second copy is put down to a crash in the send's commit window when the worker was SIGKILLed
 * within this long after the server accepted the first: the scenario kills within 100 ms of
 * seeing work, and a loaded worker may take some hundreds of ms to record an acceptance.
 */
const COMMIT_WINDOW_MS = 1_000;

/** Copies of `messageId` beyond the first, split by whether a worker kill right after the previous copy explains each. */
function extraCopies(smtp: FaultSmtpServer, messageId: string, workerKills: readonly number[]): { explained: number; unexplained: number } {
  const arrivals = smtp.received.filter((email) => email.messageId === messageId).map((email) => email.receivedAt);
  let explained = 0;
  for (let i = 1; i < arrivals.length; i++) {
    const previous = arrivals[i - 1]!;
    if (workerKills.some((kill) => kill >= previous && kill - previous <= COMMIT_WINDOW_MS)) explained += 1;
  }
  return { explained, unexplained: arrivals.length - 1 - explained };
}

/** The Message-ID the mailer derives from an idempotency key (mail/create-transport.ts), so a delivery names its step. */
export function messageIdOf(idempotencyKey: string): string {
  return `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@npsloop>`;
}

interface Observed {
  enrollments: { id: number; journey_name: string; workflow_id: string; status: string; email: string }[];
  tasks: { enrollment_id: number; escalation_level: number; status: string; assignee: string }[];
  emails: { idempotency_key: string; to_address: string; status: string; message_id: string | null; workflow_id: string | null }[];
}

async function observe(db: Kysely<Database>, expected: ExpectedJourney[]): Promise<Observed> {
  const users = [...new Set(expected.map((journey) => journey.userEmail))];
  if (users.length === 0) return { enrollments: [], tasks: [], emails: [] };
  const enrollments = await db
    .selectFrom('enrollments')
    .innerJoin('users', 'users.id', 'enrollments.user_id')
    .select(['enrollments.id', 'enrollments.journey_name', 'enrollments.workflow_id', 'enrollments.status', 'users.email'])
    .where('users.email', 'in', users)
    .execute();
  if (enrollments.length === 0) return { enrollments, tasks: [], emails: [] };
  const tasks = await db
    .selectFrom('tasks')
    .innerJoin('csms', 'csms.id', 'tasks.assignee_csm_id')
    .select(['tasks.enrollment_id', 'tasks.escalation_level', 'tasks.status', 'csms.email as assignee'])
    .where('tasks.enrollment_id', 'in', enrollments.map((enrollment) => enrollment.id))
    .execute();
  const emails = await db
    .selectFrom('emails')
    .select(['idempotency_key', 'to_address', 'status', 'message_id', 'workflow_id'])
    .where('workflow_id', 'in', [...new Set(enrollments.map((enrollment) => enrollment.workflow_id))])
    .execute();
  return { enrollments, tasks, emails };
}

function compare(
  expected: ExpectedJourney[],
  observed: Observed,
  smtp: FaultSmtpServer,
  statuses: Map<string, string> | undefined,
  workerKills: readonly number[],
): JourneysOutcome {
  const outcome: JourneysOutcome = {
    enrollments: 0,
    tasks: 0,
    emails: 0,
    missing: { enrollments: 0, tasks: 0, emails: 0 },
    duplicates: { enrollments: 0, tasks: 0, emails: 0 },
    redeliveredAfterKill: 0,
    wrong: [],
    lost: 0,
    duplicated: 0,
  };
  const received = smtp.countsByMessageId();
  const recipients = new Map(smtp.received.map((email) => [email.messageId, email.to]));
  for (const journey of expected) {
    const label = `${journey.journey} of ${journey.userEmail}`;
    const enrollments = observed.enrollments.filter((e) => e.email === journey.userEmail && e.journey_name === journey.journey);
    if (enrollments.length === 0) {
      outcome.missing.enrollments += 1;
      outcome.missing.tasks += journey.tasks.length;
      outcome.missing.emails += journey.emails.length;
      continue;
    }
    outcome.enrollments += 1;
    outcome.duplicates.enrollments += enrollments.length - 1;
    const enrollment = enrollments[0]!;
    if (enrollment.status !== journey.enrollment) outcome.wrong.push(`${label}: enrollment ${enrollment.status}, expected ${journey.enrollment}`);
    const workflowStatus = statuses?.get(enrollment.workflow_id);
    if (statuses && workflowStatus !== journey.workflow) outcome.wrong.push(`${label}: workflow ${workflowStatus}, expected ${journey.workflow}`);

    const tasks = observed.tasks.filter((task) => task.enrollment_id === enrollment.id);
    for (const want of journey.tasks) {
      const found = tasks.filter((task) => task.escalation_level === want.level);
      if (found.length === 0) {
        outcome.missing.tasks += 1;
        continue;
      }
      outcome.tasks += 1;
      outcome.duplicates.tasks += found.length - 1;
      const task = found[0]!;
      if (task.assignee !== want.assignee) outcome.wrong.push(`${label}: task level ${want.level} assigned to ${task.assignee}, expected ${want.assignee}`);
      if (task.status !== want.status) outcome.wrong.push(`${label}: task level ${want.level} ${task.status}, expected ${want.status}`);
    }
    for (const task of tasks) {
      if (!journey.tasks.some((want) => want.level === task.escalation_level)) outcome.wrong.push(`${label}: unexpected task at level ${task.escalation_level} for ${task.assignee}`);
    }

    const prefix = `${enrollment.workflow_id}/${enrollment.id}/`;
    const rows = observed.emails.filter((email) => email.idempotency_key.startsWith(prefix));
    for (const want of journey.emails) {
      const key = prefix + want.step;
      const messageId = messageIdOf(key);
      const times = received.get(messageId) ?? 0;
      if (times === 0) {
        outcome.missing.emails += 1;
        continue;
      }
      outcome.emails += 1;
      if (times > 1) {
        const { explained, unexplained } = extraCopies(smtp, messageId, workerKills);
        outcome.redeliveredAfterKill += explained;
        outcome.duplicates.emails += unexplained;
      }
      const to = recipients.get(messageId) ?? [];
      if (!to.includes(want.to)) outcome.wrong.push(`${label}: ${want.step} went to ${to.join(', ')}, expected ${want.to}`);
      const row = rows.find((email) => email.idempotency_key === key);
      if (row?.message_id && row.message_id !== messageId) outcome.wrong.push(`${label}: ${want.step} row has Message-ID ${row.message_id}, the suite derives ${messageId}`);
    }
    for (const row of rows) {
      const step = row.idempotency_key.slice(prefix.length);
      if (!journey.emails.some((want) => want.step === step)) {
        outcome.wrong.push(`${label}: unexpected email ${step} to ${row.to_address} (${row.status}, received ${received.get(messageIdOf(row.idempotency_key)) ?? 0} times)`);
      }
    }
  }
  outcome.lost = outcome.missing.enrollments + outcome.missing.tasks + outcome.missing.emails;
  outcome.duplicated = outcome.duplicates.enrollments + outcome.duplicates.tasks + outcome.duplicates.emails;
  return outcome;
}

/** Every expected email's row is sent and the SMTP server holds no acknowledgement: no retry can still add a copy. */
function settled(expected: ExpectedJourney[], observed: Observed, smtp: FaultSmtpServer): boolean {
  const outcome = compare(expected, observed, smtp, undefined, []);
  if (outcome.lost > 0 || outcome.wrong.length > 0 || smtp.heldAcks() > 0) return false;
  return observed.emails.every((email) => email.status !== 'claimed');
}

/**
 * Polls until every journey has reached its expected state (enrollment, tasks, emails received)
 * and no send is pending, or the time is up; then compares in full, the workflows' statuses
 * included. Never throws on a mismatch: the caller records it.
 */
export async function awaitJourneys(
  stack: { db: Kysely<Database>; smtp: FaultSmtpServer; temporalClient: Client; worker: { sigkills: readonly number[] } },
  expected: ExpectedJourney[],
  { seconds, signal }: { seconds: number; signal: AbortSignal },
): Promise<JourneysOutcome> {
  const deadline = Date.now() + seconds * 1000;
  let observed: Observed = { enrollments: [], tasks: [], emails: [] };
  while (Date.now() < deadline) {
    signal.throwIfAborted();
    try {
      observed = await observe(stack.db, expected);
      if (settled(expected, observed, stack.smtp)) break;
    } catch {
      // The database restarting: ask again.
    }
    await sleep(500, undefined, { signal });
  }
  observed = await observe(stack.db, expected);
  const statuses = await workflowStatuses(stack.temporalClient, [...new Set(observed.enrollments.map((enrollment) => enrollment.workflow_id))]);
  return compare(expected, observed, stack.smtp, statuses, stack.worker.sigkills);
}
