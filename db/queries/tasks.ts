import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.ts';
import type { ClosedTaskStatus, NewTask, Task } from '../tables/tasks.ts';

export interface TaskClosing {
  status: ClosedTaskStatus;
  outcome: string | null;
  completedBy?: string | null;
  /** The database's clock if omitted. */
  at?: Date;
}

/** Inserts an open task unless one with its idempotency key exists: undefined then. */
export async function insertTask(db: Kysely<Database>, task: Omit<NewTask, 'status' | 'outcome' | 'completed_at' | 'completed_by'>): Promise<Task | undefined> {
  return db
    .insertInto('tasks')
    .values({ ...task, status: 'open' })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function taskByIdempotencyKey(db: Kysely<Database>, idempotencyKey: string): Promise<Task | undefined> {
  return db.selectFrom('tasks').selectAll().where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
}

export async function getTask(db: Kysely<Database>, taskId: number): Promise<Task | undefined> {
  return db.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirst();
}

/** An update closing the open tasks among those `where` picks. */
function closeOpenTasks(db: Kysely<Database>, closing: TaskClosing) {
  return db
    .updateTable('tasks')
    .set({
      status: closing.status,
      outcome: closing.outcome,
      completed_by: closing.completedBy ?? null,
      completed_at: closing.at ?? sql<Date>`now()`,
    })
    .where('status', '=', 'open');
}

/** Closes the task if it is still open; undefined when it was already closed (or does not exist). */
export async function closeOpenTask(db: Kysely<Database>, taskId: number, closing: TaskClosing): Promise<Task | undefined> {
  return closeOpenTasks(db, closing).where('id', '=', taskId).returningAll().executeTakeFirst();
}

/** Closes every task of the enrollment still open; returns those it closed. */
export async function closeOpenTasksOfEnrollment(db: Kysely<Database>, enrollmentId: number, closing: TaskClosing): Promise<Task[]> {
  return closeOpenTasks(db, closing).where('enrollment_id', '=', enrollmentId).returningAll().execute();
}

/** The user's open tasks, soonest due first (at most 100: one per journey run and escalation level). */
export async function openTasksOfUser(db: Kysely<Database>, userId: number): Promise<Task[]> {
  return db
    .selectFrom('tasks')
    .selectAll()
    .where('user_id', '=', userId)
    .where('status', '=', 'open')
    .orderBy('due_at')
    .orderBy('id')
    .limit(100)
    .execute();
}

/** The CSM's manager, the next level of escalation; undefined at the top of the chain. */
export async function managerOf(db: Kysely<Database>, csmId: number): Promise<{ id: number; email: string; name: string } | undefined> {
  return db
    .selectFrom('csms as c')
    .innerJoin('csms as m', 'm.id', 'c.manager_id')
    .select(['m.id', 'm.email', 'm.name'])
    .where('c.id', '=', csmId)
    .executeTakeFirst();
}
