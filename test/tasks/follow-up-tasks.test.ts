import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { endEnrollment, EnrollmentNotFoundError } from '../../activities/end-enrollment.ts';
import { enrollUser } from '../../activities/enroll-user.ts';
import { getTask, openTasksOfUser } from '../../db/queries/tasks.ts';
import { closeTask, createFollowUpTask, escalationTarget, openFollowUpTask } from '../../tasks/follow-up-tasks.ts';
import { TaskNotFoundError } from '../../tasks/task-errors.ts';
import type { Database } from '../../db/database.ts';
import { userJourneyEvents } from '../../db/queries/journey-events.ts';
import { saveJourney } from '../../db/queries/journeys.ts';
import { DETRACTOR_FOLLOW_UP } from '../../journeys/built-in-journeys.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const now = new Date('2026-11-24T12:00:00Z');
const hoursLater = (hours: number) => new Date(now.getTime() + hours * 3_600_000);

describeEachBackend('follow-up tasks and the end of a journey', (db) => {
  /** A detractor enrolled in the follow-up, their CSM under a manager under a director. */
  async function enrolledDetractor(k: Kysely<Database>) {
    await saveJourney(k, DETRACTOR_FOLLOW_UP, { actor: 'test', at: now });
    const { csm, accountId, users } = await seedAccount(k, { users: ['dee@acme.example'] });
    const userId = users[0]!.id;
    const director = await k.insertInto('csms').values({ external_id: 'director', email: 'dir@cs.example', name: 'Dir' }).returning(['id', 'email', 'name']).executeTakeFirstOrThrow();
    const manager = await k
      .insertInto('csms')
      .values({ external_id: 'manager', email: 'man@cs.example', name: 'Man', manager_id: director.id })
      .returning(['id', 'email', 'name'])
      .executeTakeFirstOrThrow();
    await k.updateTable('csms').set({ manager_id: manager.id }).where('id', '=', csm.id).execute();
    const { id: responseId } = await k
      .insertInto('nps_responses')
      .values({ user_id: userId, account_id: accountId, csm_id: csm.id, score: 2, responded_at: now, received_at: now, source: 'test', source_response_id: 'r1' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const workflowId = `journey-detractor-follow-up-user-${userId}`;
    const enrollment = await enrollUser(k, { journeyName: 'detractor-follow-up', userId, responseId, workflowId, now });
    if (enrollment.status !== 'enrolled') throw new Error('enrolled');
    const taskAt = (level: number, assigneeCsmId: number, at: Date) => ({
      idempotencyKey: `${enrollment.enrollmentId}:level-${level}`,
      enrollmentId: enrollment.enrollmentId,
      userId,
      accountId,
      responseId,
      assigneeCsmId,
      dueAt: new Date(at.getTime() + 48 * 3_600_000).toISOString(),
      escalationLevel: level,
      workflowId,
      at: at.toISOString(),
    });
    return { csm, manager, director, userId, enrollmentId: enrollment.enrollmentId, workflowId, taskAt };
  }

  it('creates a task once per idempotency key', async () => {
    const k = db().kysely;
    const { csm, taskAt } = await enrolledDetractor(k);
    const first = await createFollowUpTask(k, taskAt(0, csm.id, now));
    expect(first).toEqual({ created: true, task: { id: expect.any(Number), status: 'open', outcome: null, completedBy: null } });
    expect(await getTask(k, first.task.id)).toMatchObject({ escalation_level: 0, assignee_csm_id: csm.id, due_at: hoursLater(48) });
    expect(await createFollowUpTask(k, taskAt(0, csm.id, now))).toEqual({ created: false, task: first.task });
    expect(await k.selectFrom('tasks').select('id').execute()).toHaveLength(1);
  });

  it('escalates up the chain of managers to the top', async () => {
    const k = db().kysely;
    const { csm, manager, director } = await enrolledDetractor(k);
    expect(await escalationTarget(k, csm.id)).toEqual(manager);
    expect(await escalationTarget(k, manager.id)).toEqual(director);
    expect(await escalationTarget(k, director.id)).toBeNull();
  });

  it('opens a task with whom it escalates to, in one statement, and the same again on a retry', async () => {
    const k = db().kysely;
    const { csm, manager, director, taskAt } = await enrolledDetractor(k);
    const opened = await openFollowUpTask(k, taskAt(0, csm.id, now), csm.id);
    expect(opened).toEqual({ created: true, task: { id: expect.any(Number), status: 'open', outcome: null, completedBy: null }, next: manager });
    expect(await getTask(k, opened.task.id)).toMatchObject({ escalation_level: 0, assignee_csm_id: csm.id, due_at: hoursLater(48), created_at: now });
    expect(await openFollowUpTask(k, taskAt(0, csm.id, now), csm.id)).toEqual({ ...opened, created: false });

    // At the top of the chain nobody is next; a last level asks nobody.
    expect(await openFollowUpTask(k, taskAt(2, director.id, hoursLater(96)), director.id)).toMatchObject({ created: true, next: null });
    expect(await openFollowUpTask(k, taskAt(3, director.id, hoursLater(144)), null)).toMatchObject({ created: true, next: null });
    expect(await k.selectFrom('tasks').select('escalation_level').orderBy('escalation_level').execute()).toEqual([
      { escalation_level: 0 },
      { escalation_level: 2 },
      { escalation_level: 3 },
    ]);
  });

  it('closes a task once; closing it again changes nothing and says so', async () => {
    const k = db().kysely;
    const { csm, taskAt, workflowId, userId } = await enrolledDetractor(k);
    const { task } = await createFollowUpTask(k, taskAt(0, csm.id, now));
    const done = await closeTask(k, { taskId: task.id, status: 'done', completedBy: 'csm@cs.example', outcome: 'called, fixing the export', at: hoursLater(5) });
    expect(done).toEqual({ alreadyClosed: false, task: { id: task.id, status: 'done', outcome: 'called, fixing the export', completedBy: 'csm@cs.example' } });
    expect(await getTask(k, task.id)).toMatchObject({ workflow_id: workflowId, completed_at: hoursLater(5) });
    const again = await closeTask(k, { taskId: task.id, status: 'cancelled', outcome: 'the user answered as a promoter' });
    expect(again).toEqual({ alreadyClosed: true, task: done.task });
    expect(await openTasksOfUser(k, userId)).toEqual([]);
    await expect(closeTask(k, { taskId: 999_999, status: 'done', completedBy: 'x', outcome: null })).rejects.toThrow(TaskNotFoundError);
  });

  it('lists a user\'s open tasks, soonest due first', async () => {
    const k = db().kysely;
    const { csm, manager, director, taskAt, userId } = await enrolledDetractor(k);
    const level0 = await createFollowUpTask(k, taskAt(0, csm.id, now));
    const level1 = await createFollowUpTask(k, taskAt(1, manager.id, hoursLater(48)));
    const level2 = await createFollowUpTask(k, taskAt(2, director.id, hoursLater(96)));
    await closeTask(k, { taskId: level1.task.id, status: 'cancelled', outcome: 'test' });
    expect((await openTasksOfUser(k, userId)).map((t) => t.id)).toEqual([level0.task.id, level2.task.id]);
  });

  it('ends an enrollment once, cancelling the tasks of the run still open', async () => {
    const k = db().kysely;
    const { csm, manager, taskAt, enrollmentId } = await enrolledDetractor(k);
    const level0 = await createFollowUpTask(k, taskAt(0, csm.id, now));
    const level1 = await createFollowUpTask(k, taskAt(1, manager.id, hoursLater(48)));
    await closeTask(k, { taskId: level1.task.id, status: 'done', completedBy: 'man@cs.example', outcome: 'apologised, call booked', at: hoursLater(50) });

    const ended = await endEnrollment(k, { enrollmentId, status: 'completed', outcome: 'apologised, call booked', at: hoursLater(50) });
    expect(ended).toEqual({ alreadyEnded: false, status: 'completed', outcome: 'apologised, call booked', cancelledTaskIds: [level0.task.id] });
    expect(await endEnrollment(k, { enrollmentId, status: 'failed', outcome: 'late retry' })).toEqual({
      alreadyEnded: true,
      status: 'completed',
      outcome: 'apologised, call booked',
      cancelledTaskIds: [],
    });
    const level0Now = await k.selectFrom('tasks').select(['status', 'outcome']).where('id', '=', level0.task.id).executeTakeFirstOrThrow();
    expect(level0Now).toEqual({ status: 'cancelled', outcome: 'journey completed: apologised, call booked' });
    await expect(endEnrollment(k, { enrollmentId: 999_999, status: 'cancelled', outcome: null })).rejects.toThrow(EnrollmentNotFoundError);
  });

  it('puts journey events on the user\'s timeline in time order, paged', async () => {
    const k = db().kysely;
    const { csm, manager, taskAt, enrollmentId, userId } = await enrolledDetractor(k);
    const level0 = await createFollowUpTask(k, taskAt(0, csm.id, hoursLater(1)));
    const level1 = await createFollowUpTask(k, taskAt(1, manager.id, hoursLater(49)));
    await closeTask(k, { taskId: level1.task.id, status: 'done', completedBy: 'man@cs.example', outcome: 'call booked', at: hoursLater(60) });
    await endEnrollment(k, { enrollmentId, status: 'completed', outcome: 'call booked', at: hoursLater(60) });

    const events = await userJourneyEvents(k, userId);
    expect(events.map((e) => [e.kind, e.at.toISOString(), e.task_id, e.assignee_name, e.outcome])).toEqual([
      ['enrollment_started', now.toISOString(), null, null, null],
      ['task_created', hoursLater(1).toISOString(), level0.task.id, expect.stringMatching(/^CSM /), null],
      ['task_escalated', hoursLater(49).toISOString(), level1.task.id, 'Man', null],
      ['task_cancelled', hoursLater(60).toISOString(), level0.task.id, expect.stringMatching(/^CSM /), 'journey completed: call booked'],
      ['task_completed', hoursLater(60).toISOString(), level1.task.id, 'Man', 'call booked'],
      ['enrollment_ended', hoursLater(60).toISOString(), null, null, 'call booked'],
    ]);
    expect(events.every((e) => e.journey_name === 'detractor-follow-up' && e.enrollment_id === enrollmentId)).toBe(true);
    expect(events[4]).toMatchObject({ completed_by: 'man@cs.example', escalation_level: 1 });
    expect(events[5]).toMatchObject({ status: 'completed' });

    const firstPage = await userJourneyEvents(k, userId, { limit: 4 });
    const secondPage = await userJourneyEvents(k, userId, { limit: 4, after: firstPage.at(-1)! });
    expect([...firstPage, ...secondPage]).toEqual(events);
    expect(secondPage).toHaveLength(2);
  });
});
