import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../db/connect.ts';
import { createStatementNames } from '../../db/statement-names.ts';
import { createTestDatabase, describeOnPostgres } from '../helpers/test-database.ts';

describe('statement names', () => {
  it('names a statement with parameters from its third run on, the same name each time', () => {
    const names = createStatementNames();
    const text = 'select * from tasks where id = $1';
    expect([names.nameOf(text, 1), names.nameOf(text, 1)]).toEqual([undefined, undefined]);
    const name = names.nameOf(text, 1);
    expect(name).toMatch(/^npsloop_[0-9a-f]{32}_0$/);
    expect(names.nameOf(text, 1)).toBe(name);
    // Without parameters a statement goes by the simple protocol, unnamed.
    for (let run = 0; run < 5; run++) expect(names.nameOf('begin', 0)).toBeUndefined();
  });

  it('names at most 200 statements, so each connection keeps a bounded number prepared', () => {
    const names = createStatementNames();
    const named = Array.from({ length: 250 }, (_, i) => `select $1::int + ${i}`).filter((text) => [1, 2, 3].map(() => names.nameOf(text, 1)).at(-1));
    expect(named).toHaveLength(200);
  });

  it('renames a statement the server refused, so no connection uses its stale form again', () => {
    const names = createStatementNames();
    const text = 'select * from tasks where id = $1';
    for (let run = 0; run < 3; run++) names.nameOf(text, 1);
    const before = names.nameOf(text, 1)!;
    names.refused(text);
    const after = [1, 2, 3].map(() => names.nameOf(text, 1));
    expect(after[2]).toMatch(/^npsloop_[0-9a-f]{32}_1$/);
    expect(after[2]).not.toBe(before);
  });
});

describeOnPostgres('prepared statements', () => {
  let created: Awaited<ReturnType<typeof createTestDatabase>>;
  // One connection, so what it has prepared can be read back from it.
  let db: Db;
  let k: Kysely<any>;
  beforeAll(async () => {
    created = await createTestDatabase('postgres');
    db = await openDatabase({ kind: 'postgres', url: created.url!, maxConnections: 1 });
    k = db.kysely as Kysely<any>;
    await sql`create table probe (id integer primary key, label text not null)`.execute(k);
    await sql`insert into probe values (1, 'one')`.execute(k);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await created?.drop();
  });

  const probe = () => k.selectFrom('probe').selectAll().where('id', '=', 1).execute();
  const prepared = async () =>
    (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements where name like 'npsloop_%'`.execute(k)).rows;

  it('prepares a statement run often on the connection, once, and runs it by name', async () => {
    for (let run = 0; run < 5; run++) expect(await probe()).toEqual([{ id: 1, label: 'one' }]);
    expect(await prepared()).toEqual([{ name: expect.stringMatching(/^npsloop_/), statement: 'select * from "probe" where "id" = $1' }]);
  });

  it('runs it again, prepared afresh, when a migration changed the table under it', async () => {
    for (let run = 0; run < 3; run++) await probe();
    await sql`alter table probe add column note text`.execute(k);
    expect(await probe()).toEqual([{ id: 1, label: 'one', note: null }]);
    for (let run = 0; run < 3; run++) expect(await probe()).toEqual([{ id: 1, label: 'one', note: null }]);
    // The stale form stays prepared on the connection, unused; the fresh one has another name.
    expect((await prepared()).map((row) => row.name.slice(-2)).sort()).toEqual(['_0', '_1']);
  });

  it('fails a transaction whose statement was refused, as a whole, and runs the statement afresh after it', async () => {
    for (let run = 0; run < 3; run++) await probe();
    await sql`alter table probe add column more text`.execute(k);
    await expect(
      k.transaction().execute(async (trx) => {
        await trx.insertInto('probe').values({ id: 2, label: 'two' }).execute();
        await trx.selectFrom('probe').selectAll().where('id', '=', 1).execute();
      }),
    ).rejects.toThrow(/cached plan must not change result type/);
    expect(await k.selectFrom('probe').select('id').execute()).toEqual([{ id: 1 }]);
    expect(await probe()).toEqual([{ id: 1, label: 'one', note: null, more: null }]);
  });
});
