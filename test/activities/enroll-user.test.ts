import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { endEnrollment } from '../../activities/end-enrollment.ts';
import { enrollUser } from '../../activities/enroll-user.ts';
import type { Database } from '../../db/database.ts';
import { enrollmentContext } from '../../db/queries/enrollment-context.ts';
import { getJourney, JourneyNotFoundError, saveJourney, setJourneyEnabled } from '../../db/queries/journeys.ts';
import { DETRACTOR_FOLLOW_UP } from '../../journeys/built-in-journeys.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const now = new Date('2026-11-24T12:00:00Z');
const DAY = 86_400_000;
const daysLater = (days: number) => new Date(now.getTime() + days * DAY);
const journeyName = DETRACTOR_FOLLOW_UP.name;

let responseSequence = 0;

/** A response stored directly, credited to the account's CSM as of now. */
async function respond(k: Kysely<Database>, userId: number, options: { score?: number; respondedAt?: Date; comment?: string } = {}) {
  const user = await k.selectFrom('users').select('account_id').where('id', '=', userId).executeTakeFirstOrThrow();
  const account = await k.selectFrom('accounts').select('csm_id').where('id', '=', user.account_id).executeTakeFirstOrThrow();
  const { id } = await k
    .insertInto('nps_responses')
    .values({
      user_id: userId,
      account_id: user.account_id,
      csm_id: account.csm_id,
      score: options.score ?? 3,
      comment: options.comment ?? null,
      responded_at: options.respondedAt ?? now,
      received_at: options.respondedAt ?? now,
      source: 'test',
      source_response_id: `r${++responseSequence}`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

describeEachBackend('enrollUser', (db) => {
  async function setUp() {
    const k = db().kysely;
    await saveJourney(k, DETRACTOR_FOLLOW_UP, { actor: 'test', at: now });
    const seeded = await seedAccount(k, { accountName: 'Acme', accountExternalId: 'acme', users: ['ada@acme.example', 'bob@acme.example'] });
    return { k, ...seeded, ada: seeded.users[0]!.id, bob: seeded.users[1]!.id };
  }

  it('enrolls with a copy of the definition and what the journey needs, the CSM as of the response', async () => {
    const { k, ada, accountId, csm } = await setUp();
    await k.updateTable('users').set({ name: 'Ada  Lovelace' }).where('id', '=', ada).execute();
    const responseId = await respond(k, ada, { score: 2, comment: 'Too slow', respondedAt: daysLater(-1) });
    // The account changes hands after the response: the journey still goes to who owned it then.
    const successor = await k.insertInto('csms').values({ external_id: 'csm-next', email: 'next@cs.example', name: 'Next' }).returning('id').executeTakeFirstOrThrow();
    await k.updateTable('accounts').set({ csm_id: successor.id }).where('id', '=', accountId).execute();

    const result = await enrollUser(k, { journeyName, userId: ada, responseId, workflowId: 'journey-detractor-follow-up-user-1', now: now.toISOString() });
    expect(result).toEqual({
      status: 'enrolled',
      enrollmentId: expect.any(Number),
      definition: DETRACTOR_FOLLOW_UP,
      context: {
        user: { id: ada, email: 'ada@acme.example', name: 'Ada  Lovelace', firstName: 'Ada' },
        account: { id: accountId, externalId: 'acme', name: 'Acme' },
        csm: { id: csm.id, email: csm.email, name: expect.any(String) },
        response: { id: responseId, score: 2, category: 'detractor', comment: 'Too slow', respondedAt: daysLater(-1).toISOString() },
      },
    });
    const row = await k.selectFrom('enrollments').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ journey_name: journeyName, journey_version: 1, user_id: ada, account_id: accountId, status: 'active', enrolled_at: now, ended_at: null });
  });

  it('returns the same enrollment when retried with the same workflow id, and refuses a second active one', async () => {
    const { k, ada } = await setUp();
    const first = await respond(k, ada);
    const second = await respond(k, ada, { score: 1 });
    const input = { journeyName, userId: ada, responseId: first, workflowId: 'wf-ada', now };
    const enrolled = await enrollUser(k, input);
    expect(await enrollUser(k, input)).toEqual(enrolled);
    expect(await enrollUser(k, { ...input, responseId: second })).toEqual({ status: 'skipped', reason: 'already_active' });
    expect(await enrollUser(k, { ...input, responseId: second, workflowId: 'wf-other' })).toEqual({ status: 'skipped', reason: 'already_active' });
    expect(await k.selectFrom('enrollments').select('id').execute()).toHaveLength(1);
  });

  it('enrolls a user once when two enrollments race, through the unique key', async () => {
    const { k, ada, bob } = await setUp();
    const [first, second] = [await respond(k, ada), await respond(k, ada, { score: 0 })];
    const raced = await Promise.all([
      enrollUser(k, { journeyName, userId: ada, responseId: first, workflowId: 'wf-1', now }),
      enrollUser(k, { journeyName, userId: ada, responseId: second, workflowId: 'wf-2', now }),
    ]);
    expect(raced.map((r) => r.status).sort()).toEqual(['enrolled', 'skipped']);
    expect(raced.find((r) => r.status === 'skipped')).toEqual({ status: 'skipped', reason: 'already_active' });

    // The same call twice at once (an activity retried while the first attempt still runs): one enrollment, both told so.
    const bobs = await respond(k, bob);
    const twins = await Promise.all([1, 2].map(() => enrollUser(k, { journeyName, userId: bob, responseId: bobs, workflowId: 'wf-bob', now })));
    expect(twins[0]).toMatchObject({ status: 'enrolled' });
    expect(twins[1]).toEqual(twins[0]);
    expect(await k.selectFrom('enrollments').select('user_id').orderBy('user_id').execute()).toEqual([{ user_id: ada }, { user_id: bob }]);

    // The database's half holds on its own: a second active row for the same user and journey is refused.
    const copy = await k.selectFrom('enrollments').selectAll().where('user_id', '=', ada).executeTakeFirstOrThrow();
    const { id: _id, ...columns } = { ...copy, definition: JSON.stringify(copy.definition), workflow_id: 'wf-3' };
    await expect(k.insertInto('enrollments').values(columns).execute()).rejects.toThrow(/enrollments_one_active/);
  });

  it('waits the cooldown after the previous enrollment started, then enrolls again', async () => {
    const { k, ada } = await setUp();
    const first = await enrollUser(k, { journeyName, userId: ada, responseId: await respond(k, ada), workflowId: 'wf-ada', now });
    if (first.status !== 'enrolled') throw new Error('enrolled');
    await endEnrollment(k, { enrollmentId: first.enrollmentId, status: 'completed', outcome: 'called the customer', at: daysLater(1) });

    const within = await respond(k, ada, { respondedAt: daysLater(89) });
    expect(await enrollUser(k, { journeyName, userId: ada, responseId: within, workflowId: 'wf-ada', now: daysLater(89) })).toEqual({ status: 'skipped', reason: 'cooldown' });
    const after = await respond(k, ada, { respondedAt: daysLater(90) });
    expect(await enrollUser(k, { journeyName, userId: ada, responseId: after, workflowId: 'wf-ada', now: daysLater(90) })).toMatchObject({ status: 'enrolled' });
    expect(await k.selectFrom('enrollments').select(['status', 'workflow_id']).orderBy('id').execute()).toEqual([
      { status: 'completed', workflow_id: 'wf-ada' },
      { status: 'active', workflow_id: 'wf-ada' },
    ]);
  });

  it('enrolls nobody in a disabled journey, or for a response older than maxResponseAgeDays', async () => {
    const { k, ada } = await setUp();
    const fresh = await respond(k, ada, { respondedAt: daysLater(-7) });
    const old = await respond(k, ada, { respondedAt: new Date(daysLater(-7).getTime() - 1) });
    expect(await enrollUser(k, { journeyName, userId: ada, responseId: old, workflowId: 'wf', now })).toEqual({ status: 'skipped', reason: 'response_too_old' });
    await setJourneyEnabled(k, journeyName, false, { actor: 'test' });
    expect(await enrollUser(k, { journeyName, userId: ada, responseId: fresh, workflowId: 'wf', now })).toEqual({ status: 'skipped', reason: 'disabled' });
    await setJourneyEnabled(k, journeyName, true, { actor: 'test' });
    expect(await enrollUser(k, { journeyName, userId: ada, responseId: fresh, workflowId: 'wf', now })).toMatchObject({ status: 'enrolled' });
  });

  it('returns its enrollment to a retry even after the journey was disabled in between, so no enrollment is left without its workflow', async () => {
    const { k, ada } = await setUp();
    const input = { journeyName, userId: ada, responseId: await respond(k, ada), workflowId: 'wf-ada', now };
    const enrolled = await enrollUser(k, input);
    await setJourneyEnabled(k, journeyName, false, { actor: 'test' });
    expect(await enrollUser(k, input)).toEqual(enrolled);
  });

  it('uses the journey and the response context the caller has read, reading neither again', async () => {
    const { k, ada } = await setUp();
    const responseId = await respond(k, ada, { score: 1 });
    const journey = await getJourney(k, journeyName);
    const response = (await enrollmentContext(k, responseId))!;
    // Both read, then gone from the database: the enrollment is made from what was passed.
    await k.updateTable('users').set({ email: 'renamed@acme.example' }).where('id', '=', ada).execute();
    await setJourneyEnabled(k, journeyName, false, { actor: 'test' });
    const result = await enrollUser(k, { journeyName, userId: ada, responseId, workflowId: 'wf-ada', now }, { journey, response });
    expect(result).toMatchObject({ status: 'enrolled', context: { user: { email: 'ada@acme.example' } } });
    // A context of another response is refused rather than enrolled under this one.
    const other = await respond(k, ada);
    await expect(enrollUser(k, { journeyName, userId: ada, responseId: other, workflowId: 'wf-2', now }, { journey, response })).rejects.toThrow(
      `no NPS response with id ${other} by user ${ada}`,
    );
  });

  it('keeps the definition copied at enrollment when the journey is edited afterwards', async () => {
    const { k, ada, bob } = await setUp();
    const input = { journeyName, userId: ada, responseId: await respond(k, ada), workflowId: 'wf-ada', now };
    await enrollUser(k, input);
    const edited = { ...DETRACTOR_FOLLOW_UP, steps: { ...DETRACTOR_FOLLOW_UP.steps, slaHours: 4, escalationDepth: 0 } };
    await saveJourney(k, edited, { actor: 'lead' });

    expect(await enrollUser(k, input)).toMatchObject({ status: 'enrolled', definition: DETRACTOR_FOLLOW_UP });
    const later = await enrollUser(k, { journeyName, userId: bob, responseId: await respond(k, bob), workflowId: 'wf-bob', now });
    expect(later).toMatchObject({ status: 'enrolled', definition: edited });
    expect(await k.selectFrom('enrollments').select(['user_id', 'journey_version']).orderBy('id').execute()).toEqual([
      { user_id: ada, journey_version: 1 },
      { user_id: bob, journey_version: 2 },
    ]);
  });

  it('refuses an unknown journey and a response of someone else', async () => {
    const { k, ada, bob } = await setUp();
    const responseId = await respond(k, ada);
    await expect(enrollUser(k, { journeyName: 'nurture', userId: ada, responseId, workflowId: 'wf', now })).rejects.toThrow(JourneyNotFoundError);
    await expect(enrollUser(k, { journeyName, userId: bob, responseId, workflowId: 'wf', now })).rejects.toThrow(`no NPS response with id ${responseId} by user ${bob}`);
  });
});
