import { afterEach, expect, it } from 'vitest';
import type { ApiApp } from '../../api/api-app.ts';
import { createApiToken } from '../../db/queries/api-tokens.ts';
import { seedEnrolledDetractor } from '../fixtures/follow-up-tasks.ts';
import { bearer, createTestApi } from '../helpers/test-api.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

let app: ApiApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describeEachBackend('the CSM directory', (db) => {
  it('lists every CSM by name with their manager to admins and CSMs (whom a task can go to), and to nobody else', async () => {
    const k = db().kysely;
    const max = await seedEnrolledDetractor(k, { accountName: 'Maxco', csmEmail: 'max@cs.example', userEmail: 'u@maxco.example' });
    const ann = await seedEnrolledDetractor(k, { accountName: 'Annco', csmEmail: 'ann@cs.example', userEmail: 'u@annco.example' });
    await k.updateTable('csms').set({ manager_id: max.csm.id }).where('id', '=', ann.csm.id).execute();
    const tokens = {
      admin: (await createApiToken(k, { name: 'admin', role: 'admin' })).token,
      csm: (await createApiToken(k, { name: 'Ann', role: 'csm', csmId: ann.csm.id })).token,
      ingest: (await createApiToken(k, { name: 'survey tool', role: 'ingest' })).token,
    };
    app = await createTestApi(k);
    const server = app;
    const get = (token?: string) => server.inject({ method: 'GET', url: '/csms', ...(token ? { headers: bearer(token) } : {}) });

    const names = await k.selectFrom('csms').select(['id', 'name', 'email']).where('id', 'in', [max.csm.id, ann.csm.id]).orderBy('name').execute();
    const expected = names.map((csm) => ({ ...csm, managerId: csm.id === ann.csm.id ? max.csm.id : null }));
    for (const token of [tokens.admin, tokens.csm]) {
      const response = await get(token);
      expect(response.statusCode).toBe(200);
      expect(response.json().csms).toEqual(expected);
    }
    expect((await get(tokens.ingest)).statusCode).toBe(403);
    expect((await get()).statusCode).toBe(401);
  });
});
