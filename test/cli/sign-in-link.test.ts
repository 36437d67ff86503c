import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/connect.ts';
import { cliRunner } from '../helpers/run-cli.ts';
import { createTestApi, testConfig } from '../helpers/test-api.ts';

let dataDir: string;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'npsloop-cli-sign-in-'));
  const db = await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pglite') });
  await db.kysely.insertInto('csms').values({ external_id: 'ann', email: 'ann@cs.example', name: 'Ann' }).execute();
  await db.close();
}, 60_000);

afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('npsloop sign-in-link', () => {
  it("prints a 15-minute link for the embedded admin, or a CSM, that signs them in to the page it names", async () => {
    const npsloop = cliRunner(dataDir);
    const admin = await npsloop('sign-in-link');
    expect(admin.code, admin.stderr).toBe(0);
    expect(admin.stdout).toMatch(/^http:\/\/localhost:3000\/auth\/verify\?token=[\w-]+\n$/);
    expect(admin.stderr).toMatch(/^signs in admin@localhost \(admin\) once, until \d{4}-\d\d-\d\d \d\d:\d\d UTC:\n$/);
    const ann = await npsloop('sign-in-link', '--email', 'Ann@cs.example', '--next', '/app/tasks/1');
    expect(ann.code, ann.stderr).toBe(0);
    expect(ann.stderr).toContain('signs in ann@cs.example (csm)');

    expect(await npsloop('sign-in-link', '--email', 'nobody@cs.example')).toMatchObject({ code: 2, stderr: expect.stringContaining('nobody@cs.example may not sign in') });
    expect(await npsloop('sign-in-link', '--next', '//evil.com')).toMatchObject({ code: 2, stderr: expect.stringContaining('--next: expected a page of the web app') });
    expect(await npsloop('sign-in-link', '--email', 'ann@cs.example', '--next', 'https://evil.com/app/')).toMatchObject({ code: 2 });

    const db = await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pglite') });
    try {
      const links = await db.kysely.selectFrom('sign_in_links').selectAll().orderBy('id').execute();
      expect(links.map((link) => [link.email, link.next_path, link.purpose, link.expires_at.getTime() - link.created_at.getTime()])).toEqual([
        ['admin@localhost', '/app/', 'printed', 15 * 60_000],
        ['ann@cs.example', '/app/tasks/1', 'printed', 15 * 60_000],
      ]);
      const app = await createTestApi(db.kysely, { config: testConfig({ NPSLOOP_DATA_DIR: dataDir }) });
      try {
        const url = new URL(ann.stdout.trim());
        const followed = await app.inject({ method: 'GET', url: url.pathname + url.search });
        expect(followed.statusCode).toBe(303);
        expect(followed.headers.location).toBe('/app/tasks/1');
        const cookie = followed.cookies.find((c) => c.name === 'npsloop_session')!;
        const session = await app.inject({ method: 'GET', url: '/auth/session', cookies: { npsloop_session: cookie.value } });
        expect(session.json()).toMatchObject({ email: 'ann@cs.example', role: 'csm', name: 'Ann' });
      } finally {
        await app.close();
      }
    } finally {
      await db.close();
    }
  }, 60_000);
});
