import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import { seedAccount } from '../fixtures/instance.ts';
import { postOverSocket } from '../helpers/http-request.ts';
import { bearer, createRoleTokens, createTestApi } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

// app.inject hands the route a body that is not a socket's stream; these go through a real one.
describeEachBackend('POST /imports/responses over a socket', (db) => {
  let app: ApiApp;
  let url: string;
  let headers: Record<string, string>;
  let email: string;

  beforeEach(async () => {
    const k = db().kysely;
    const { csm, users } = await seedAccount(k, { users: ['ann@acme.example'] });
    email = users[0]!.email;
    const tokens = await createRoleTokens(k, csm.id);
    headers = { ...bearer(tokens.ingest), 'content-type': 'text/csv' };
    app = await createTestApi(k);
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterEach(async () => {
    await app.close();
  });

  it('imports a one-row CSV', async () => {
    const answer = await postOverSocket(`${url}/imports/responses`, headers, `email,score,respondedAt\n${email},9,${daysAgo(1)}\n`);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json()).toMatchObject({ rows: 1, accepted: 1, inserted: 1, rejected: 0 });
    expect(await db().kysely.selectFrom('nps_responses').select('score').execute()).toEqual([{ score: 9 }]);
  });

  it('answers /healthz while an import is still uploading, then takes the whole file', async () => {
    const upload = new PassThrough();
    let importAnswered = false;
    const answer = postOverSocket(`${url}/imports/responses`, headers, upload).finally(() => {
      importAnswered = true;
    });
    upload.write('email,score,respondedAt,responseId\n');
    for (let round = 0; round < 5; round++) {
      upload.write(Array.from({ length: 200 }, (_, i) => `${email},${(round + i) % 11},${daysAgo(1 + (i % 20))},r${round}-${i}\n`).join(''));
      // The upload is open: the server is waiting for the rest of the file and must go on serving.
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      expect(importAnswered, `the import answered before its upload ended (round ${round})`).toBe(false);
    }
    upload.end();
    const result = await answer;
    expect(result.status, result.text).toBe(200);
    expect(result.json()).toMatchObject({ rows: 1_000, accepted: 1_000, inserted: 1_000, rejected: 0 });
  });
});
