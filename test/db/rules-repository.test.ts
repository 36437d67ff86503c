import { expect, it } from 'vitest';
import {
  createRule,
  deleteRule,
  getRule,
  listRules,
  RuleConflictError,
  RuleKindChangeError,
  ruleDisabledAt,
  RuleNotFoundError,
  ruleHistory,
  setRuleEnabled,
  StaleRuleVersionError,
  updateRule,
} from '../../db/queries/rules.ts';
import type { RuleDefinition } from '../../rules/rule-schema.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const t0 = new Date('2026-11-24T09:00:00Z');
const t1 = new Date('2026-11-24T10:00:00Z');
const t2 = new Date('2026-11-24T11:00:00Z');
const t3 = new Date('2026-11-24T12:00:00Z');

function detractorAdmins(value = 7): RuleDefinition & { kind: 'list' } {
  return {
    kind: 'list',
    name: 'detractor-admins',
    conditions: { all: [{ fact: 'latestScore', operator: 'lessThan', value }, { fact: 'role', operator: 'equal', value: 'admin' }] },
  };
}

describeEachBackend('rule repository', (db) => {
  it('versions every change and keeps who made it, when, and the definition it left', async () => {
    const k = db().kysely;
    const created = await createRule(k, detractorAdmins(), { actor: 'ann@cs.example', note: 'from the playbook', at: t0 });
    expect(created).toMatchObject({ name: 'detractor-admins', kind: 'list', version: 1, enabled: true, created_by: 'ann@cs.example', updated_by: 'ann@cs.example', created_at: t0, deleted_at: null });
    expect(created.definition).toEqual(detractorAdmins());

    const updated = await updateRule(k, 'detractor-admins', detractorAdmins(5), { actor: 'bo@cs.example', at: t1 });
    expect(updated).toMatchObject({ version: 2, created_by: 'ann@cs.example', updated_by: 'bo@cs.example', created_at: t0, updated_at: t1 });
    expect(await getRule(k, 'detractor-admins')).toEqual(updated);

    const history = await ruleHistory(k, 'detractor-admins');
    expect(history.map((v) => [v.version, v.change, v.changed_by, v.changed_at, v.note])).toEqual([
      [1, 'created', 'ann@cs.example', t0, 'from the playbook'],
      [2, 'updated', 'bo@cs.example', t1, null],
    ]);
    expect(history[0]!.definition).toEqual(detractorAdmins(7));
    expect(history[1]!.definition).toEqual(detractorAdmins(5));
  });

  it('tells since when a disabled rule has not run: its latest disable, whatever changed after it', async () => {
    const k = db().kysely;
    const t4 = new Date('2026-11-24T13:00:00Z');
    const rule = await createRule(k, detractorAdmins(), { actor: 'ann', at: t0 });
    expect(await ruleDisabledAt(k, rule.id)).toBeNull();
    await setRuleEnabled(k, 'detractor-admins', false, { actor: 'ann', at: t1 });
    await setRuleEnabled(k, 'detractor-admins', true, { actor: 'ann', at: t2 });
    expect(await ruleDisabledAt(k, rule.id)).toBeNull();
    await setRuleEnabled(k, 'detractor-admins', false, { actor: 'ann', at: t3 });
    await updateRule(k, 'detractor-admins', detractorAdmins(5), { actor: 'bo', at: t4 });
    expect(await ruleDisabledAt(k, rule.id)).toEqual(t3);

    const createdDisabled = await createRule(k, { ...detractorAdmins(), name: 'paused' }, { actor: 'ann', at: t0, enabled: false });
    expect(await ruleDisabledAt(k, createdDisabled.id)).toEqual(t0);
  });

  it('makes no version when a definition or state is saved again unchanged', async () => {
    const k = db().kysely;
    await createRule(k, detractorAdmins(), { actor: 'ann' });
    // Same JSON, other key order: jsonb equality, not text equality.
    const reordered = { conditions: detractorAdmins().conditions, name: 'detractor-admins', kind: 'list' } as RuleDefinition;
    expect((await updateRule(k, 'detractor-admins', reordered, { actor: 'bo' })).version).toBe(1);
    expect((await setRuleEnabled(k, 'detractor-admins', true, { actor: 'bo' })).version).toBe(1);
    expect(await ruleHistory(k, 'detractor-admins')).toHaveLength(1);
  });

  it('disables and enables a rule, keeping its history', async () => {
    const k = db().kysely;
    await createRule(k, detractorAdmins(), { actor: 'ann', at: t0 });
    const disabled = await setRuleEnabled(k, 'detractor-admins', false, { actor: 'bo', note: 'too noisy', at: t1 });
    expect(disabled).toMatchObject({ enabled: false, version: 2 });
    expect(await listRules(k, { enabledOnly: true })).toEqual([]);
    expect((await listRules(k)).map((r) => r.name)).toEqual(['detractor-admins']);
    // A disabled rule can still be edited; it stays disabled.
    expect(await updateRule(k, 'detractor-admins', detractorAdmins(4), { actor: 'cy', at: t2 })).toMatchObject({ enabled: false, version: 3 });
    await setRuleEnabled(k, 'detractor-admins', true, { actor: 'ann', at: t3 });
    const history = await ruleHistory(k, 'detractor-admins');
    expect(history.map((v) => [v.version, v.change, v.enabled, v.changed_by, v.note])).toEqual([
      [1, 'created', true, 'ann', null],
      [2, 'disabled', false, 'bo', 'too noisy'],
      [3, 'updated', false, 'cy', null],
      [4, 'enabled', true, 'ann', null],
    ]);
  });

  it('soft-deletes: the rule stops, its history stays, and the name is free again', async () => {
    const k = db().kysely;
    const first = await createRule(k, detractorAdmins(), { actor: 'ann', at: t0 });
    const deleted = await deleteRule(k, 'detractor-admins', { actor: 'bo', note: 'replaced', at: t1 });
    expect(deleted).toMatchObject({ id: first.id, enabled: false, deleted_at: t1, version: 2 });
    await expect(getRule(k, 'detractor-admins')).rejects.toThrow(RuleNotFoundError);
    expect(await listRules(k)).toEqual([]);
    await expect(setRuleEnabled(k, 'detractor-admins', true, { actor: 'bo' })).rejects.toThrow(RuleNotFoundError);
    await expect(deleteRule(k, 'detractor-admins', { actor: 'bo' })).rejects.toThrow(RuleNotFoundError);
    // The deleted rule's history, deletion included, is still readable.
    expect((await ruleHistory(k, 'detractor-admins')).map((v) => [v.change, v.changed_by, v.note])).toEqual([
      ['created', 'ann', null],
      ['deleted', 'bo', 'replaced'],
    ]);

    const second = await createRule(k, detractorAdmins(3), { actor: 'cy', at: t2 });
    expect(second.id).not.toBe(first.id);
    expect(second.version).toBe(1);
    expect((await ruleHistory(k, 'detractor-admins')).map((v) => [v.rule_id, v.change])).toEqual([[second.id, 'created']]);
  });

  it('refuses a change made from a stale version', async () => {
    const k = db().kysely;
    await createRule(k, detractorAdmins(), { actor: 'ann' });
    await updateRule(k, 'detractor-admins', detractorAdmins(6), { actor: 'ann', expectedVersion: 1 });
    const stale = updateRule(k, 'detractor-admins', detractorAdmins(2), { actor: 'bo', expectedVersion: 1 });
    await expect(stale).rejects.toThrow(StaleRuleVersionError);
    await expect(stale).rejects.toThrow('rule "detractor-admins" was changed by someone else: it is at version 2, not 1');
    await expect(setRuleEnabled(k, 'detractor-admins', false, { actor: 'bo', expectedVersion: 1 })).rejects.toThrow(StaleRuleVersionError);
    await expect(deleteRule(k, 'detractor-admins', { actor: 'bo', expectedVersion: 1 })).rejects.toThrow(StaleRuleVersionError);
    expect(await getRule(k, 'detractor-admins')).toMatchObject({ version: 2, enabled: true, definition: detractorAdmins(6) });
    expect(await ruleHistory(k, 'detractor-admins')).toHaveLength(2);
  });

  it('serialises concurrent updates: each gets its own version', async () => {
    const k = db().kysely;
    await createRule(k, detractorAdmins(), { actor: 'ann' });
    await Promise.all([1, 2, 3, 4].map((v) => updateRule(k, 'detractor-admins', detractorAdmins(v), { actor: `user${v}` })));
    const history = await ruleHistory(k, 'detractor-admins');
    expect(history.map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
    expect((await getRule(k, 'detractor-admins')).version).toBe(5);
  });

  it('refuses a second live rule with a name, by creation or by rename', async () => {
    const k = db().kysely;
    await createRule(k, detractorAdmins(), { actor: 'ann' });
    await expect(createRule(k, { ...detractorAdmins(), conditions: { all: [] } }, { actor: 'bo' })).rejects.toThrow(
      new RuleConflictError('detractor-admins'),
    );
    await createRule(k, { ...detractorAdmins(), name: 'promoters' }, { actor: 'ann' });
    await expect(updateRule(k, 'promoters', detractorAdmins(), { actor: 'bo' })).rejects.toThrow(RuleConflictError);
    expect((await listRules(k)).map((r) => [r.name, r.version])).toEqual([['detractor-admins', 1], ['promoters', 1]]);

    const renamed = await updateRule(k, 'promoters', { ...detractorAdmins(), name: 'happy-admins' }, { actor: 'bo' });
    expect(renamed).toMatchObject({ name: 'happy-admins', version: 2 });
    await expect(getRule(k, 'promoters')).rejects.toThrow('no rule named "promoters"');
  });

  it('refuses to change a rule kind, and names a missing rule', async () => {
    const k = db().kysely;
    await createRule(k, detractorAdmins(), { actor: 'ann' });
    await expect(updateRule(k, 'detractor-admins', { ...detractorAdmins(), kind: 'trigger' }, { actor: 'bo' })).rejects.toThrow(RuleKindChangeError);
    await expect(updateRule(k, 'nope', detractorAdmins(), { actor: 'bo' })).rejects.toThrow(new RuleNotFoundError('nope'));
    await expect(ruleHistory(k, 'nope')).rejects.toThrow(RuleNotFoundError);
  });

  it('lists live rules by kind and enabled state, paged by name', async () => {
    const k = db().kysely;
    const conditions = { all: [{ fact: 'score', operator: 'greaterThanInclusive', value: 9 }] };
    const rules: RuleDefinition[] = [
      { kind: 'list', name: 'b-list', conditions },
      { kind: 'health', name: 'a-health', dimension: 'service', criteria: [{ colour: 'green' }] },
      { kind: 'list', name: 'c-list', conditions },
      { kind: 'trigger', name: 'd-trigger', conditions },
    ];
    for (const rule of rules) await createRule(k, rule, { actor: 'ann', enabled: rule.name !== 'c-list' });
    expect((await listRules(k, { kind: 'list' })).map((r) => r.name)).toEqual(['b-list', 'c-list']);
    expect((await listRules(k, { kind: 'list', enabledOnly: true })).map((r) => r.name)).toEqual(['b-list']);
    const firstPage = await listRules(k, { limit: 2 });
    expect(firstPage.map((r) => r.name)).toEqual(['a-health', 'b-list']);
    expect((await listRules(k, { limit: 2, afterName: firstPage.at(-1)!.name })).map((r) => r.name)).toEqual(['c-list', 'd-trigger']);
  });

  it('keeps a rule and its history in step: a change whose version cannot be written is undone', async () => {
    const k = db().kysely;
    const rule = await createRule(k, detractorAdmins(), { actor: 'ann' });
    // Occupy the next version so that writing the history row of the update fails.
    await k
      .insertInto('rule_versions')
      .values({ rule_id: rule.id, version: 2, definition: '{}', enabled: true, changed_by: 'intruder', changed_at: t0, change: 'updated', note: null })
      .execute();
    await expect(updateRule(k, 'detractor-admins', detractorAdmins(1), { actor: 'bo' })).rejects.toThrow(/duplicate|unique/i);
    expect(await getRule(k, 'detractor-admins')).toMatchObject({ version: 1, definition: detractorAdmins(), updated_by: 'ann' });
  });

  it('leaves nothing behind when the surrounding transaction fails', async () => {
    const k = db().kysely;
    await expect(
      k.transaction().execute(async (trx) => {
        await createRule(trx, detractorAdmins(), { actor: 'ann' });
        await setRuleEnabled(trx, 'detractor-admins', false, { actor: 'ann' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await k.selectFrom('rules').selectAll().execute()).toEqual([]);
    expect(await k.selectFrom('rule_versions').selectAll().execute()).toEqual([]);
  });
});
