import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { claimDueStarts, markStarted, requestResponseWorkflows } from '../../db/queries/response-workflow-starts.ts';
import { storeBatch } from '../../ingest/store-batch.ts';
import { relayResponseWorkflows } from '../../worker/response-workflow-relay.ts';
import { responseWorkflowId } from '../../workflows/response-received.ts';
import { seedAccount, validItem } from '../fixtures/instance.ts';
import { createTimeSkippingEnvironment } from '../helpers/temporal.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

let env: TestWorkflowEnvironment;
/** A TCP server that takes connections and never answers: Temporal hanging. */
let blackHole: net.Server;
let hangingTemporal: Client;

beforeAll(async () => {
  env = await createTimeSkippingEnvironment();
  blackHole = net.createServer(() => {});
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  const { port } = blackHole.address() as net.AddressInfo;
  hangingTemporal = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${port}` }) });
}, 300_000);

afterAll(async () => {
  await hangingTemporal?.connection.close().catch(() => undefined);
  blackHole?.close();
  await env?.teardown();
});

describeEachBackend('response workflow relay', (db, backend) => {
  const taskQueue = `relay-${backend}`;

  async function storeResponses(count: number): Promise<number[]> {
    const { users } = await seedAccount(db().kysely, { users: Array.from({ length: count }, (_, i) => `relay${i}@acme.example`) });
    const stored = await storeBatch(
      db().kysely,
      'generic',
      users.map((user) => validItem({ email: user.email, score: 3 })),
      new Date(),
    );
    return stored.changed.map((response) => response.id);
  }

  const pendingRows = () =>
    db().kysely.selectFrom('response_workflow_starts').selectAll().where('started_at', 'is', null).orderBy('response_id').execute();

  it("starts each stored response's workflow, marks it started, and claims nothing twice", async () => {
    const ids = await storeResponses(3);
    expect(await relayResponseWorkflows(db().kysely, env.client, taskQueue)).toEqual({ claimed: 3, started: 3, failed: 0 });
    for (const id of ids) {
      const description = await env.client.workflow.getHandle(responseWorkflowId(id)).describe();
      expect(description.type).toBe('responseReceivedWorkflow');
      await env.client.workflow.getHandle(responseWorkflowId(id)).terminate('relay test over');
    }
    expect(await pendingRows()).toEqual([]);
    const rows = await db().kysely.selectFrom('response_workflow_starts').select(['lease_until', 'attempts']).execute();
    expect(rows.every((row) => row.lease_until === null && row.attempts === 0)).toBe(true);
    expect(await relayResponseWorkflows(db().kysely, env.client, taskQueue)).toEqual({ claimed: 0, started: 0, failed: 0 });
  });

  it('holds no transaction while Temporal hangs, then backs the failed starts off', async () => {
    const ids = await storeResponses(2);
    const pass = relayResponseWorkflows(db().kysely, hangingTemporal, taskQueue, { startDeadlineMs: 2_000 });
    let passEnded = false;
    void pass.finally(() => (passEnded = true));
    // While the pass waits on Temporal, the database serves others: a write to the very rows it
    // claimed commits (PGlite runs one transaction at a time, so a held one would block this).
    await new Promise((resolve) => setTimeout(resolve, 300));
    await db().kysely.transaction().execute((trx) => trx.updateTable('nps_responses').set({ comment: 'edited meanwhile' }).where('id', 'in', ids).execute());
    expect(passEnded).toBe(false);

    expect(await pass).toEqual({ claimed: 2, started: 0, failed: 2 });
    const rows = await pendingRows();
    expect(rows.map((row) => row.response_id)).toEqual(ids);
    for (const row of rows) {
      expect(row).toMatchObject({ attempts: 1, lease_until: null });
      expect(row.last_error).toMatch(/deadline|DEADLINE|timed out|cancel/i);
    }
    const { rows: due } = await sql<{ waits: boolean }>`select bool_and(next_attempt_at > now()) as waits from response_workflow_starts where started_at is null`.execute(db().kysely);
    expect(due[0]!.waits).toBe(true);
    // Not due yet: the next pass leaves them alone.
    expect(await relayResponseWorkflows(db().kysely, env.client, taskQueue)).toEqual({ claimed: 0, started: 0, failed: 0 });
    // Once due, a reachable Temporal starts them.
    await sql`update response_workflow_starts set next_attempt_at = now()`.execute(db().kysely);
    expect(await relayResponseWorkflows(db().kysely, env.client, taskQueue)).toEqual({ claimed: 2, started: 2, failed: 0 });
    for (const id of ids) await env.client.workflow.getHandle(responseWorkflowId(id)).terminate('relay test over');
  }, 60_000);

  it('gives two relays disjoint claims, and takes over a claim whose lease ended', async () => {
    await storeResponses(50);
    const [first, second] = await Promise.all([claimDueStarts(db().kysely, 30, 60_000), claimDueStarts(db().kysely, 30, 60_000)]);
    const claimed = [...first, ...second].map((start) => start.response_id);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed).toHaveLength(50);
    expect(await claimDueStarts(db().kysely, 100, 60_000)).toEqual([]);
    // A relay that died holds its claims until the lease ends; then another takes them.
    await sql`update response_workflow_starts set lease_until = now() - interval '1 second'`.execute(db().kysely);
    expect(await claimDueStarts(db().kysely, 100, 60_000)).toHaveLength(50);
  });

  it('keeps a response changed again while its start was in flight pending for a run of its own', async () => {
    const [id] = await storeResponses(1);
    const [claim] = await claimDueStarts(db().kysely, 10, 60_000);
    expect(claim!.response_id).toBe(id);
    await requestResponseWorkflows(db().kysely, [id!], new Date(claim!.requested_at.getTime() + 1));
    await markStarted(db().kysely, [claim!], new Date());
    expect((await pendingRows()).map((row) => row.response_id)).toEqual([id]);
    expect(await claimDueStarts(db().kysely, 10, 60_000)).toHaveLength(1);
  });
});
