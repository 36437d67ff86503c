import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.ts';
import { type Db, openDatabase } from '../../db/connect.ts';
import { findApiPrincipal, revokeApiToken } from '../../db/queries/api-tokens.ts';
import { ensureAdminToken } from '../../stack/admin-token.ts';
import { emptyDatabase } from '../helpers/test-database.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-admin-token-'));
const embedded = loadConfig({ NPSLOOP_DATA_DIR: dataDir });
const tokenFile = path.join(dataDir, 'admin-token');
let db: Db;

beforeAll(async () => {
  db = await openDatabase({ kind: 'pglite' });
});
afterEach(async () => {
  await emptyDatabase(db);
  fs.rmSync(tokenFile, { force: true });
});
afterAll(async () => {
  await db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the admin token npm start prints on every start', () => {
  it('is kept in the data folder of an embedded instance, the same one each start, and made again when it no longer signs in', async () => {
    expect(await ensureAdminToken(db.kysely, embedded)).toEqual({ kind: 'saved', file: tokenFile });
    const first = fs.readFileSync(tokenFile, 'utf8').trim();
    expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(await findApiPrincipal(db.kysely, first)).toMatchObject({ role: 'admin' });

    expect(await ensureAdminToken(db.kysely, embedded)).toEqual({ kind: 'saved', file: tokenFile });
    expect(fs.readFileSync(tokenFile, 'utf8').trim()).toBe(first);

    const principal = await findApiPrincipal(db.kysely, first);
    if (principal?.source.kind !== 'token') throw new Error('an admin token gives a token principal');
    await revokeApiToken(db.kysely, principal.source.tokenId);
    expect(await ensureAdminToken(db.kysely, embedded)).toEqual({ kind: 'saved', file: tokenFile });
    const second = fs.readFileSync(tokenFile, 'utf8').trim();
    expect(second).not.toBe(first);
    expect(await findApiPrincipal(db.kysely, second)).toMatchObject({ role: 'admin' });

    fs.rmSync(tokenFile);
    await ensureAdminToken(db.kysely, embedded);
    expect(await findApiPrincipal(db.kysely, fs.readFileSync(tokenFile, 'utf8').trim())).toMatchObject({ role: 'admin' });
  });

  it('is shown once on a shared database, and never stored in clear', async () => {
    const shared = { ...embedded, database: { kind: 'postgres' as const, url: 'postgres://shared.example/npsloop', preparedStatements: true } };
    const first = await ensureAdminToken(db.kysely, shared);
    expect(first).toEqual({ kind: 'shown-once', token: expect.stringMatching(/^nps_/) });
    expect(await findApiPrincipal(db.kysely, (first as { token: string }).token)).toMatchObject({ role: 'admin' });
    expect(await ensureAdminToken(db.kysely, shared)).toEqual({ kind: 'existing' });
    expect(fs.existsSync(tokenFile)).toBe(false);
  });
});
