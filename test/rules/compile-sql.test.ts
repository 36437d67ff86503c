import { type Kysely, sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../db/database.ts';
import type { Condition, GroupCondition } from '../../rules/condition-schema.ts';
import {
  conditionHolds,
  factUsesOf,
  matchingIdsQuery,
  RuleCompileError,
  selectMatchingAccountIds,
  selectMatchingUserIds,
} from '../../rule-sql/compile-sql.ts';
import { createEngine, type FactValues } from '../../rules/create-engine.ts';
import { type FactSettings, planFacts, type SqlSubject } from '../../rule-sql/fact-sql.ts';
import { loadAccountFacts, loadUserFacts } from '../../rule-sql/load-facts.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const NOW = new Date('2026-11-24T12:00:00Z');
const SETTINGS: FactSettings = { now: NOW, timeZone: 'UTC' };
const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS);

/** The reference: json-rules-engine as rules/create-engine.ts sets it up. */
async function engineHolds(subject: SqlSubject, conditions: GroupCondition, facts: FactValues, now: Date): Promise<boolean> {
  const [result] = await createEngine(subject, [{ name: 'rule', conditions }], () => now).run(facts);
  return result?.result === true;
}

const USERS = ['u1', 'u2', 'u3', 'u4', 'u5'] as const;
const ACCOUNTS = ['A', 'B', 'C'] as const;
type UserName = (typeof USERS)[number];
type AccountName = (typeof ACCOUNTS)[number];

interface Fixture {
  users: Record<UserName, number>;
  accounts: Record<AccountName, number>;
}

/**
 * A: enterprise, gold, seats 5 (number); B: no segment, seats "5" (string); C: smb, nothing.
 * u1 (A, admin, champion): 3 two days ago, 9 forty days ago. u2 (A, no role): 10 ten days ago,
 * excluded. u3 (B, user): no response. u4 (B, "Admin"): 7 a hundred days ago. u5 (C, admin): none.
 */
async function seedFixture(db: Kysely<Database>): Promise<Fixture> {
  const account = async (name: AccountName, segment: string | null, attributes: object) =>
    (
      await db
        .insertInto('accounts')
        .values({ external_id: name, name, segment, attributes: JSON.stringify(attributes) })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const accounts = {
    A: await account('A', 'enterprise', { tier: 'gold', seats: 5 }),
    B: await account('B', null, { seats: '5' }),
    C: await account('C', 'smb', {}),
  };
  const user = async (name: UserName, accountId: number, role: string | null, persona: string | null, attributes: object) =>
    (
      await db
        .insertInto('users')
        .values({ external_id: name, account_id: accountId, email: `${name}@example.com`, role, persona, attributes: JSON.stringify(attributes) })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const users = {
    u1: await user('u1', accounts.A, 'admin', 'champion', { plan: 'pro', seats: 5 }),
    u2: await user('u2', accounts.A, null, null, { plan: null }),
    u3: await user('u3', accounts.B, 'user', null, { seats: '5' }),
    u4: await user('u4', accounts.B, 'Admin', null, {}),
    u5: await user('u5', accounts.C, 'admin', null, {}),
  };
  const responses: [UserName, AccountName, number, number, boolean][] = [
    ['u1', 'A', 3, 2, false],
    ['u1', 'A', 9, 40, false],
    ['u2', 'A', 10, 10, true],
    ['u4', 'B', 7, 100, false],
  ];
  for (const [name, accountName, score, days, excluded] of responses) {
    await db
      .insertInto('nps_responses')
      .values({
        user_id: users[name],
        account_id: accounts[accountName],
        csm_id: null,
        score,
        responded_at: daysAgo(days),
        received_at: NOW,
        source: 'generic',
        source_response_id: `${name}-${days}`,
        excluded,
      })
      .execute();
  }
  const tickets: [AccountName, 'low' | 'normal' | 'high' | 'critical', 'open' | 'pending' | 'solved' | 'closed', number][] = [
    ['A', 'critical', 'open', 3.5],
    ['A', 'normal', 'pending', 10],
    ['A', 'critical', 'solved', 20],
    ['B', 'low', 'open', 3.5],
    ['B', 'high', 'closed', 50],
  ];
  for (const [i, [accountName, priority, status, days]] of tickets.entries()) {
    await db
      .insertInto('tickets')
      .values({ external_id: `t${i}`, account_id: accounts[accountName], priority, status, opened_at: daysAgo(days) })
      .execute();
  }
  await seedHealth(db, [
    [accounts.A, 'relationship', 'red'],
    [accounts.B, 'service', 'green'],
  ]);
  return { users, accounts };
}

/** account_health rows name the rule version that decided them. */
async function seedHealth(db: Kysely<Database>, rows: [number, 'relationship' | 'service', 'green' | 'amber' | 'red'][]) {
  const definition = JSON.stringify({ kind: 'health', name: 'fixture', dimension: 'relationship', criteria: [{ colour: 'green' }] });
  const rule = await db
    .insertInto('rules')
    .values({ name: 'fixture', kind: 'health', definition, enabled: true, version: 1, created_at: NOW, updated_at: NOW, created_by: 'test', updated_by: 'test' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('rule_versions')
    .values({ rule_id: rule.id, version: 1, definition, enabled: true, changed_by: 'test', changed_at: NOW, change: 'created', note: null })
    .execute();
  for (const [accountId, dimension, colour] of rows) {
    await db
      .insertInto('account_health')
      .values({ account_id: accountId, dimension, colour, reasons: '[]', rule_id: rule.id, rule_version: 1, computed_at: NOW })
      .execute();
  }
}

const leaf = (fact: string, operator: string, value: unknown, extra: { params?: Record<string, unknown>; path?: string } = {}): Condition => ({
  fact,
  operator,
  value,
  ...extra,
});
const all = (...conditions: Condition[]): GroupCondition => ({ all: conditions });
const window = (key: string) => ({ params: { window: key } });

const USER_CASES: { name: string; conditions: GroupCondition; expected: UserName[] }[] = [
  { name: 'latestScore lessThan', conditions: all(leaf('latestScore', 'lessThan', 7)), expected: ['u1'] },
  { name: 'latestScore lessThanInclusive', conditions: all(leaf('latestScore', 'lessThanInclusive', 3)), expected: ['u1'] },
  { name: 'latestScore greaterThan', conditions: all(leaf('latestScore', 'greaterThan', 7)), expected: ['u2'] },
  { name: 'latestScore greaterThanInclusive (excluded responses are answers)', conditions: all(leaf('latestScore', 'greaterThanInclusive', 7)), expected: ['u2', 'u4'] },
  { name: 'latestScore equal', conditions: all(leaf('latestScore', 'equal', 7)), expected: ['u4'] },
  { name: 'latestScore notEqual holds for unknown', conditions: all(leaf('latestScore', 'notEqual', 7)), expected: ['u1', 'u2', 'u3', 'u5'] },
  { name: 'latestScore in', conditions: all(leaf('latestScore', 'in', [3, 10])), expected: ['u1', 'u2'] },
  { name: 'latestScore notIn holds for unknown', conditions: all(leaf('latestScore', 'notIn', [3, 10])), expected: ['u3', 'u4', 'u5'] },
  { name: 'latestScore between is inclusive', conditions: all(leaf('latestScore', 'between', [3, 7])), expected: ['u1', 'u4'] },
  { name: 'not of an unknown comparison holds', conditions: { not: leaf('latestScore', 'lessThan', 7) }, expected: ['u2', 'u3', 'u4', 'u5'] },
  { name: 'any with an unknown', conditions: { any: [leaf('latestScore', 'lessThan', 7), leaf('role', 'equal', 'user')] }, expected: ['u1', 'u3'] },
  {
    name: 'not any with unknowns',
    conditions: { not: { any: [leaf('latestScore', 'lessThan', 7), leaf('role', 'equal', 'admin')] } },
    expected: ['u2', 'u3', 'u4'],
  },
  {
    name: 'not all with unknowns',
    conditions: { not: { all: [leaf('latestScore', 'greaterThan', 5), leaf('role', 'notEqual', 'admin')] } },
    expected: ['u1', 'u3', 'u5'],
  },
  { name: 'double not', conditions: { not: { not: leaf('latestScore', 'lessThan', 7) } }, expected: ['u1'] },
  { name: 'latestScore isUnknown', conditions: all(leaf('latestScore', 'isUnknown', true)), expected: ['u3', 'u5'] },
  { name: 'latestScore isKnown', conditions: all(leaf('latestScore', 'isKnown', true)), expected: ['u1', 'u2', 'u4'] },
  { name: 'not isUnknown', conditions: { not: leaf('latestScore', 'isUnknown', true) }, expected: ['u1', 'u2', 'u4'] },
  { name: 'latestCategory equal', conditions: all(leaf('latestCategory', 'equal', 'detractor')), expected: ['u1'] },
  { name: 'latestCategory in', conditions: all(leaf('latestCategory', 'in', ['promoter', 'passive'])), expected: ['u2', 'u4'] },
  { name: 'latestCategory notEqual', conditions: all(leaf('latestCategory', 'notEqual', 'promoter')), expected: ['u1', 'u3', 'u4', 'u5'] },
  { name: 'latestRespondedAt inLastDays', conditions: all(leaf('latestRespondedAt', 'inLastDays', 30)), expected: ['u1', 'u2'] },
  { name: 'inLastDays includes its first instant', conditions: all(leaf('latestRespondedAt', 'inLastDays', 10)), expected: ['u1', 'u2'] },
  { name: 'latestRespondedAt moreThanDaysAgo', conditions: all(leaf('latestRespondedAt', 'moreThanDaysAgo', 30)), expected: ['u4'] },
  { name: 'moreThanDaysAgo is strict', conditions: all(leaf('latestRespondedAt', 'moreThanDaysAgo', 10)), expected: ['u4'] },
  { name: 'not inLastDays holds for unknown', conditions: { not: leaf('latestRespondedAt', 'inLastDays', 30) }, expected: ['u3', 'u4', 'u5'] },
  { name: 'latestRespondedAt before a plain date (midnight UTC)', conditions: all(leaf('latestRespondedAt', 'before', '2026-11-20')), expected: ['u2', 'u4'] },
  { name: 'latestRespondedAt after', conditions: all(leaf('latestRespondedAt', 'after', '2026-11-20')), expected: ['u1'] },
  {
    name: 'latestRespondedAt between is inclusive',
    conditions: all(leaf('latestRespondedAt', 'between', ['2026-08-01', '2026-11-14T12:00:00Z'])),
    expected: ['u2', 'u4'],
  },
  { name: 'responseCount of none', conditions: all(leaf('responseCount', 'equal', 0, window('last_30_days'))), expected: ['u3', 'u4', 'u5'] },
  { name: 'responseCount in a window', conditions: all(leaf('responseCount', 'equal', 1, window('last_30_days'))), expected: ['u1', 'u2'] },
  { name: 'responseCount in a wider window', conditions: all(leaf('responseCount', 'greaterThanInclusive', 2, window('last_90_days'))), expected: ['u1'] },
  { name: 'role equal is case-sensitive', conditions: all(leaf('role', 'equal', 'admin')), expected: ['u1', 'u5'] },
  { name: 'role notEqual holds for unknown', conditions: all(leaf('role', 'notEqual', 'admin')), expected: ['u2', 'u3', 'u4'] },
  { name: 'role in', conditions: all(leaf('role', 'in', ['admin', 'user'])), expected: ['u1', 'u3', 'u5'] },
  { name: 'role notIn holds for unknown', conditions: all(leaf('role', 'notIn', ['admin', 'user'])), expected: ['u2', 'u4'] },
  { name: 'role isUnknown', conditions: all(leaf('role', 'isUnknown', true)), expected: ['u2'] },
  { name: 'email equal', conditions: all(leaf('email', 'equal', 'u3@example.com')), expected: ['u3'] },
  { name: 'persona equal', conditions: all(leaf('persona', 'equal', 'champion')), expected: ['u1'] },
  { name: 'not persona equal', conditions: { not: leaf('persona', 'equal', 'champion') }, expected: ['u2', 'u3', 'u4', 'u5'] },
  { name: 'accountSegment equal', conditions: all(leaf('accountSegment', 'equal', 'enterprise')), expected: ['u1', 'u2'] },
  { name: 'accountSegment isUnknown', conditions: all(leaf('accountSegment', 'isUnknown', true)), expected: ['u3', 'u4'] },
  { name: 'accountNps ignores excluded responses', conditions: all(leaf('accountNps', 'equal', 0, window('last_90_days'))), expected: ['u1', 'u2'] },
  { name: 'accountNps unknown without responses', conditions: all(leaf('accountNps', 'isUnknown', true, window('last_90_days'))), expected: ['u3', 'u4', 'u5'] },
  { name: 'accountNps this month', conditions: all(leaf('accountNps', 'equal', -100, window('this_month'))), expected: ['u1', 'u2'] },
  { name: 'accountNps over a year', conditions: all(leaf('accountNps', 'greaterThanInclusive', 0, window('last_365_days'))), expected: ['u1', 'u2', 'u3', 'u4'] },
  { name: 'not accountNps lessThan', conditions: { not: leaf('accountNps', 'lessThan', 50, window('last_90_days')) }, expected: ['u3', 'u4', 'u5'] },
  {
    name: 'accountNps in two windows',
    conditions: all(leaf('accountNps', 'equal', 0, window('last_90_days')), leaf('accountNps', 'equal', -100, window('last_30_days'))),
    expected: ['u1', 'u2'],
  },
  { name: 'accountHealth equal', conditions: all(leaf('accountHealth', 'equal', 'red', { params: { dimension: 'relationship' } })), expected: ['u1', 'u2'] },
  {
    name: 'accountHealth notEqual holds without a colour',
    conditions: all(leaf('accountHealth', 'notEqual', 'red', { params: { dimension: 'relationship' } })),
    expected: ['u3', 'u4', 'u5'],
  },
  { name: 'accountHealth per dimension', conditions: all(leaf('accountHealth', 'equal', 'green', { params: { dimension: 'service' } })), expected: ['u3', 'u4'] },
  { name: 'attribute equal', conditions: all(leaf('attributes', 'equal', 'pro', { path: '$.plan' })), expected: ['u1'] },
  { name: 'attribute JSON null or missing is unknown', conditions: all(leaf('attributes', 'isUnknown', true, { path: '$.plan' })), expected: ['u2', 'u3', 'u4', 'u5'] },
  { name: 'attribute number 5 is not "5"', conditions: all(leaf('attributes', 'equal', 5, { path: '$.seats' })), expected: ['u1'] },
  { name: 'attribute "5" is not 5', conditions: all(leaf('attributes', 'equal', '5', { path: '$.seats' })), expected: ['u3'] },
  { name: 'attribute notEqual', conditions: all(leaf('attributes', 'notEqual', 5, { path: '$.seats' })), expected: ['u2', 'u3', 'u4', 'u5'] },
  { name: 'attribute in', conditions: all(leaf('attributes', 'in', [5, 'x', true], { path: '$.seats' })), expected: ['u1'] },
  { name: 'attribute notIn', conditions: all(leaf('attributes', 'notIn', ['5'], { path: '$.seats' })), expected: ['u1', 'u2', 'u4', 'u5'] },
  { name: 'accountAttributes number', conditions: all(leaf('accountAttributes', 'equal', 5, { path: '$.seats' })), expected: ['u1', 'u2'] },
  { name: 'accountAttributes string', conditions: all(leaf('accountAttributes', 'equal', '5', { path: '$.seats' })), expected: ['u3', 'u4'] },
  { name: 'accountAttributes isKnown', conditions: all(leaf('accountAttributes', 'isKnown', true, { path: '$.tier' })), expected: ['u1', 'u2'] },
];

const ACCOUNT_CASES: { name: string; conditions: GroupCondition; expected: AccountName[]; settings?: FactSettings }[] = [
  { name: 'nps ignores excluded responses', conditions: all(leaf('nps', 'equal', 0, window('last_90_days'))), expected: ['A'] },
  { name: 'nps unknown without responses', conditions: all(leaf('nps', 'isUnknown', true, window('last_90_days'))), expected: ['B', 'C'] },
  { name: 'nps of passives only is 0', conditions: all(leaf('nps', 'equal', 0, window('last_365_days'))), expected: ['A', 'B'] },
  { name: 'not nps greaterThan', conditions: { not: leaf('nps', 'greaterThan', -50, window('last_90_days')) }, expected: ['B', 'C'] },
  {
    name: 'nps counting each user latest response',
    conditions: all(leaf('nps', 'equal', -100, window('last_90_days'))),
    expected: ['A'],
    settings: { ...SETTINGS, counting: 'latest_per_user' },
  },
  { name: 'responseCount', conditions: all(leaf('responseCount', 'equal', 2, window('last_90_days'))), expected: ['A'] },
  { name: 'responseCount of none', conditions: all(leaf('responseCount', 'equal', 0, window('last_90_days'))), expected: ['B', 'C'] },
  { name: 'promoterCount', conditions: all(leaf('promoterCount', 'equal', 1, window('last_90_days'))), expected: ['A'] },
  { name: 'detractorCount', conditions: all(leaf('detractorCount', 'greaterThan', 0, window('last_90_days'))), expected: ['A'] },
  { name: 'lastRespondedAt ignores excluded responses', conditions: all(leaf('lastRespondedAt', 'before', '2026-11-22T11:59:59Z')), expected: ['B'] },
  { name: 'lastRespondedAt inLastDays', conditions: all(leaf('lastRespondedAt', 'inLastDays', 5)), expected: ['A'] },
  { name: 'lastRespondedAt moreThanDaysAgo', conditions: all(leaf('lastRespondedAt', 'moreThanDaysAgo', 30)), expected: ['B'] },
  { name: 'lastRespondedAt isUnknown', conditions: all(leaf('lastRespondedAt', 'isUnknown', true)), expected: ['C'] },
  { name: 'openTicketCount counts open and pending', conditions: all(leaf('openTicketCount', 'equal', 2)), expected: ['A'] },
  { name: 'openTicketCount of one', conditions: all(leaf('openTicketCount', 'equal', 1)), expected: ['B'] },
  { name: 'openTicketCount of none', conditions: all(leaf('openTicketCount', 'equal', 0)), expected: ['C'] },
  { name: 'openCriticalTicketCount', conditions: all(leaf('openCriticalTicketCount', 'greaterThan', 0)), expected: ['A'] },
  { name: 'oldestOpenTicketAgeDays in whole days', conditions: all(leaf('oldestOpenTicketAgeDays', 'equal', 10)), expected: ['A'] },
  { name: 'oldestOpenTicketAgeDays rounds down', conditions: all(leaf('oldestOpenTicketAgeDays', 'equal', 3)), expected: ['B'] },
  { name: 'oldestOpenTicketAgeDays unknown without open tickets', conditions: all(leaf('oldestOpenTicketAgeDays', 'isUnknown', true)), expected: ['C'] },
  { name: 'not oldestOpenTicketAgeDays lessThan', conditions: { not: leaf('oldestOpenTicketAgeDays', 'lessThan', 5) }, expected: ['A', 'C'] },
  { name: 'segment equal', conditions: all(leaf('segment', 'equal', 'smb')), expected: ['C'] },
  { name: 'segment notEqual holds for unknown', conditions: all(leaf('segment', 'notEqual', 'enterprise')), expected: ['B', 'C'] },
  { name: 'attributes string', conditions: all(leaf('attributes', 'equal', 'gold', { path: '$.tier' })), expected: ['A'] },
  { name: 'attributes number', conditions: all(leaf('attributes', 'equal', 5, { path: '$.seats' })), expected: ['A'] },
  {
    name: 'health criterion mixing NPS and tickets',
    conditions: { any: [leaf('nps', 'lessThan', 0, window('last_90_days')), leaf('openCriticalTicketCount', 'greaterThan', 0)] },
    expected: ['A'],
  },
];

describeEachBackend('rules compiled to SQL', (db) => {
  let fixture: Fixture;
  beforeEach(async () => {
    fixture = await seedFixture(db().kysely);
  });

  const userNames = (ids: number[]) => USERS.filter((name) => ids.includes(fixture.users[name]));
  const accountNames = (ids: number[]) => ACCOUNTS.filter((name) => ids.includes(fixture.accounts[name]));

  /** The users json-rules-engine matches with the loaded facts: the reference. */
  async function engineUsers(conditions: GroupCondition, settings: FactSettings): Promise<UserName[]> {
    const matched: UserName[] = [];
    for (const name of USERS) {
      const facts = await loadUserFacts(db().kysely, fixture.users[name], conditions, settings);
      if (facts && (await engineHolds('user', conditions, facts, settings.now))) matched.push(name);
    }
    return matched;
  }

  async function engineAccounts(conditions: GroupCondition, settings: FactSettings): Promise<AccountName[]> {
    const matched: AccountName[] = [];
    for (const name of ACCOUNTS) {
      const facts = await loadAccountFacts(db().kysely, fixture.accounts[name], conditions, settings);
      if (facts && (await engineHolds('account', conditions, facts, settings.now))) matched.push(name);
    }
    return matched;
  }

  describe('users', () => {
    it.each(USER_CASES)('$name', async ({ conditions, expected }) => {
      const ids = await selectMatchingUserIds(db().kysely, conditions, SETTINGS);
      expect(userNames(ids), 'compiled SQL').toEqual(expected);
      expect(await engineUsers(conditions, SETTINGS), 'json-rules-engine').toEqual(expected);
    });
  });

  describe('accounts', () => {
    it.each(ACCOUNT_CASES)('$name', async ({ conditions, expected, settings = SETTINGS }) => {
      const ids = await selectMatchingAccountIds(db().kysely, conditions, settings);
      expect(accountNames(ids), 'compiled SQL').toEqual(expected);
      expect(await engineAccounts(conditions, settings), 'json-rules-engine').toEqual(expected);
    });
  });

  it('keeps to the given ids', async () => {
    const ids = await selectMatchingUserIds(db().kysely, all(leaf('role', 'equal', 'admin')), SETTINGS, { ids: [fixture.users.u5, fixture.users.u2] });
    expect(ids).toEqual([fixture.users.u5]);
  });

  it('gives a NOT NULL boolean per row, safe to negate and select', async () => {
    const conditions = all(leaf('latestScore', 'lessThan', 7));
    const plan = planFacts('user', factUsesOf('user', conditions), SETTINGS);
    const holds = conditionHolds(plan, conditions);
    const rows = await plan
      .rows(db().kysely)
      .select([plan.id.as('id'), holds.as('holds'), sql<boolean>`not ${holds}`.as('fails')])
      .orderBy('id')
      .execute();
    expect(rows.map((row) => [row.holds, row.fails])).toEqual([
      [true, false],
      [false, true],
      [false, true],
      [false, true],
      [false, true],
    ]);
  });

  it('embeds in a larger statement', async () => {
    const matching = matchingIdsQuery(db().kysely, 'user', all(leaf('accountSegment', 'equal', 'enterprise')), SETTINGS);
    const { count } = await db()
      .kysely.selectFrom(matching.as('m'))
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(2);
  });

  it('joins only what the rule reads', () => {
    const simple = matchingIdsQuery(db().kysely, 'user', all(leaf('role', 'equal', 'admin')), SETTINGS).compile();
    expect(simple.sql).not.toMatch(/lateral|accounts/);
    const latest = matchingIdsQuery(
      db().kysely,
      'user',
      all(leaf('latestScore', 'lessThan', 7), leaf('latestRespondedAt', 'inLastDays', 30), leaf('latestCategory', 'isKnown', true)),
      SETTINGS,
    ).compile();
    expect(latest.sql.match(/lateral/g)).toHaveLength(1);
    expect(latest.sql).not.toMatch(/accounts/);
  });

  it('reports where a condition cannot be compiled', () => {
    const compile = (conditions: unknown) => () => matchingIdsQuery(db().kysely, 'user', conditions as Condition, SETTINGS);
    expect(compile(all(leaf('role', 'equal', 'admin'), leaf('nps', 'equal', 0)))).toThrow(RuleCompileError);
    expect(compile(all(leaf('role', 'equal', 'admin'), leaf('nps', 'equal', 0)))).toThrow(/^\$\.all\[1\]: unknown fact "nps"/);
    expect(compile({ not: leaf('role', 'lessThan', 3) })).toThrow(/^\$\.not\.operator: "lessThan" does not apply/);
    expect(compile(all(leaf('latestScore', 'equal', '7')))).toThrow(/^\$\.all\[0\]\.value: expected a finite number/);
    expect(compile(all(leaf('attributes', 'equal', 'x')))).toThrow(/^\$\.all\[0\]\.path: path must name one custom attribute/);
    expect(compile(all(leaf('accountNps', 'equal', 0, window('last_week'))))).toThrow(/^\$\.all\[0\]: invalid params/);
    expect(compile({ all: [{ condition: 'shared' }] })).toThrow(/^\$\.all\[0\]: a condition needs exactly one of/);
  });

  describe('injection', () => {
    const HOSTILE = `'); drop table users; --`;
    const QUOTED = `O'Brien "the; admin" \\ '' --`;

    async function tablesIntact() {
      const { count } = await db().kysely.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
      expect(Number(count)).toBe(USERS.length + 1);
    }

    beforeEach(async () => {
      await db()
        .kysely.insertInto('users')
        .values({ external_id: 'quoted', account_id: fixture.accounts.C, email: 'quoted@example.com', role: QUOTED, attributes: JSON.stringify({ note: QUOTED }) })
        .execute();
    });

    it('binds values, never splices them', async () => {
      const conditions = { any: [leaf('role', 'equal', HOSTILE), leaf('persona', 'in', [HOSTILE, `x'`, `"y"`]), leaf('attributes', 'equal', HOSTILE, { path: '$.note' })] };
      const compiled = matchingIdsQuery(db().kysely, 'user', conditions, SETTINGS).compile();
      expect(compiled.sql).not.toContain('drop table');
      expect(compiled.parameters).toContain(HOSTILE);
      expect(await selectMatchingUserIds(db().kysely, conditions, SETTINGS)).toEqual([]);
      expect(await selectMatchingUserIds(db().kysely, { not: conditions }, SETTINGS)).toHaveLength(USERS.length + 1);
      await tablesIntact();
    });

    it('matches values full of quotes exactly', async () => {
      const [quoted] = await selectMatchingUserIds(db().kysely, all(leaf('role', 'equal', QUOTED)), SETTINGS);
      expect(quoted).toBeDefined();
      expect(await selectMatchingUserIds(db().kysely, all(leaf('attributes', 'in', [HOSTILE, QUOTED], { path: '$.note' })), SETTINGS)).toEqual([quoted]);
      expect(await selectMatchingUserIds(db().kysely, all(leaf('role', 'notIn', [QUOTED, 'admin'])), SETTINGS)).toHaveLength(3);
      await tablesIntact();
    });

    it('matches nothing with text PostgreSQL cannot hold, like JavaScript', async () => {
      const nul = 'admin\u0000; drop table users';
      expect(await selectMatchingUserIds(db().kysely, all(leaf('role', 'equal', nul)), SETTINGS)).toEqual([]);
      expect(await selectMatchingUserIds(db().kysely, all(leaf('role', 'in', [nul, '\ud800'])), SETTINGS)).toEqual([]);
      expect(await selectMatchingUserIds(db().kysely, all(leaf('attributes', 'notEqual', nul, { path: '$.note' })), SETTINGS)).toHaveLength(USERS.length + 1);
      await tablesIntact();
    });

    it('refuses hostile attribute paths and params before any SQL runs', async () => {
      const compile = (conditions: Condition) => () => matchingIdsQuery(db().kysely, 'user', all(conditions), SETTINGS);
      for (const path of [`$.plan'); drop table users; --`, `$["plan"]`, '$.a.b', '$.1plan', `$.plan"`, '$.plan\u0000']) {
        expect(compile(leaf('attributes', 'equal', 'x', { path }))).toThrow(RuleCompileError);
      }
      expect(compile(leaf('accountNps', 'equal', 0, window(`last_30_days'; drop table users; --`)))).toThrow(RuleCompileError);
      expect(compile(leaf('accountHealth', 'equal', 'red', { params: { dimension: HOSTILE } }))).toThrow(RuleCompileError);
      expect(compile({ fact: HOSTILE, operator: 'equal', value: 1 })).toThrow(RuleCompileError);
      await tablesIntact();
    });
  });
});
