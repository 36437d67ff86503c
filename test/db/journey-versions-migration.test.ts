import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { up } from '../../db/migrations/2026-12-05T06-00-00_journey-versions.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

describeEachBackend('the journey-versions migration', (db) => {
  it('gives every journey there is a history: one "created" row at its current version, by whoever changed it last', async () => {
    const k = db().kysely;
    // The journeys as an instance had them before the migration: versions changed, no history kept.
    await sql`drop table journey_versions`.execute(k);
    const at = new Date('2026-11-30T09:00:00Z');
    const definition = (name: string) => JSON.stringify({ name, trigger: { all: [] }, steps: { type: 'detractor_follow_up' } });
    const journeys = await k
      .insertInto('journeys')
      .values([
        { name: 'detractor-follow-up', definition: definition('detractor-follow-up'), enabled: true, version: 1, created_at: at, updated_at: at, updated_by: 'npsloop' },
        { name: 'admin-follow-up', definition: definition('admin-follow-up'), enabled: false, version: 4, created_at: at, updated_at: new Date('2026-12-01T10:00:00Z'), updated_by: 'ops@cs.example' },
      ])
      .returning(['id', 'name'])
      .execute();

    await up(k);

    const rows = await k.selectFrom('journey_versions').selectAll().orderBy('version').execute();
    expect(rows).toEqual([
      { journey_id: journeys[0]!.id, version: 1, definition: JSON.parse(definition('detractor-follow-up')), enabled: true, changed_by: 'npsloop', changed_at: at, change: 'created', note: null },
      {
        journey_id: journeys[1]!.id,
        version: 4,
        definition: JSON.parse(definition('admin-follow-up')),
        enabled: false,
        changed_by: 'ops@cs.example',
        changed_at: new Date('2026-12-01T10:00:00Z'),
        change: 'created',
        note: null,
      },
    ]);
  });
});
