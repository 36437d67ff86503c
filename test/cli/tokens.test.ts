import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/connect.ts';
import { cliRunner } from '../helpers/run-cli.ts';

let dataDir: string;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'npsloop-cli-tokens-'));
  const db = await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pglite') });
  // CSM emails are not unique: a shared inbox may stand for two CSMs.
  await db.kysely
    .insertInto('csms')
    .values([
      { external_id: 'ann', email: 'ann@cs.example', name: 'Ann' },
      { external_id: 'desk-1', email: 'desk@cs.example', name: 'Desk one' },
      { external_id: 'desk-2', email: 'desk@cs.example', name: 'Desk two' },
    ])
    .execute();
  await db.close();
}, 60_000);

afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('npsloop tokens', () => {
  it('creates a csm token for the one CSM an id or email names, and refuses none or several', async () => {
    const npsloop = cliRunner(dataDir);

    const byEmail = await npsloop('tokens', 'create', '--name', 'Ann', '--role', 'csm', '--csm', 'ANN@cs.example');
    expect(byEmail.code).toBe(0);
    expect(byEmail.stdout).toMatch(/^nps_\S+\n$/);

    const unknown = await npsloop('tokens', 'create', '--name', 'Bob', '--role', 'csm', '--csm', 'bob@cs.example');
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('--csm: no CSM with the id or email bob@cs.example') });

    const shared = await npsloop('tokens', 'create', '--name', 'Desk', '--role', 'csm', '--csm', 'desk@cs.example');
    expect(shared.code).toBe(2);
    expect(shared.stderr).toMatch(/--csm: 2 CSMs have the email desk@cs\.example \(ids \d+, \d+\); give the id/);

    const list = await npsloop('tokens', 'list', '--json');
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'Ann', role: 'csm', csmEmail: 'ann@cs.example', tokenPrefix: expect.any(String), revokedAt: null })]);
  }, 60_000);
});
