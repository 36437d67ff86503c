import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import type { Database } from '../../db/database.ts';
import { TICKET_PRIORITIES, TICKET_STATUSES } from '../../db/tables/tickets.ts';
import type { Condition, GroupCondition } from '../../rules/condition-schema.ts';
import { selectMatchingAccountIds, selectMatchingUserIds } from '../../rule-sql/compile-sql.ts';
import { createEngine } from '../../rules/create-engine.ts';
import { FACT_CATALOGUE, type FactDefinition, HEALTH_COLOURS, HEALTH_DIMENSIONS, OPERATORS_BY_TYPE } from '../../rules/fact-catalogue.ts';
import type { FactSettings, SqlSubject } from '../../rule-sql/fact-sql.ts';
import { accountFactPages, userFactPages } from '../../rule-sql/load-facts.ts';
import { describeEachBackend, emptyDatabase } from '../helpers/test-database.ts';

/*
 * The compiled SQL selects exactly the users (accounts) that json-rules-engine matches with the
 * facts load-facts.ts reads, for random rules over the whole catalogue and random data: NULLs,
 * JSON attributes of every type, responses on window and day boundaries, excluded responses.
 */

// A zone with daylight saving, so windows do not start at UTC midnight.
const SETTINGS: FactSettings = { now: new Date('2026-11-24T12:00:00Z'), timeZone: 'Europe/Paris' };
const NOW_MS = SETTINGS.now.getTime();
const DAY_MS = 86_400_000;
const NUM_RUNS = 40;
const RULES_PER_RUN = 4;
const MAX_USERS = 8;

/** Instants data and rule values share, so comparisons land on their edges. */
const INSTANTS = [
  ...[0, 1, 2, 7, 10, 29, 30, 31, 89, 90, 91, 365, 400].map((days) => new Date(NOW_MS - days * DAY_MS)),
  new Date('2026-10-31T23:00:00Z'), // this month starts, in Paris
  new Date('2026-10-31T22:59:59.999Z'),
  new Date('2026-11-20T00:00:00Z'), // the plain date 2026-11-20
  new Date('2026-07-01T00:00:00Z'),
  new Date('2026-12-01T00:00:00Z'), // after now
];
const instantArb = fc.oneof(
  fc.constantFrom(...INSTANTS),
  fc.integer({ min: -DAY_MS, max: 420 * DAY_MS }).map((ago) => new Date(NOW_MS - ago)),
);

const ATTRIBUTE_KEYS = ['plan', 'seats', 'tier'] as const;
const attributeValueArb = fc.constantFrom<unknown>('pro', 'gold', '5', 5, 0, 5.5, true, false, null, [], ['pro'], {});
const attributesArb = fc.record(
  Object.fromEntries(ATTRIBUTE_KEYS.map((key) => [key, attributeValueArb])) as Record<(typeof ATTRIBUTE_KEYS)[number], fc.Arbitrary<unknown>>,
  { requiredKeys: [] },
);

const ROLES = ['admin', 'user', 'Admin', "o'brien"];
const PERSONAS = ['champion', 'buyer'];
const SEGMENTS = ['enterprise', 'smb', 'mid-market'];

const accountArb = fc.record({
  segment: fc.option(fc.constantFrom(...SEGMENTS)),
  attributes: attributesArb,
  tickets: fc.array(
    fc.record({ priority: fc.constantFrom(...TICKET_PRIORITIES), status: fc.constantFrom(...TICKET_STATUSES), openedAt: instantArb }),
    { maxLength: 3 },
  ),
  health: fc.record({ relationship: fc.option(fc.constantFrom(...HEALTH_COLOURS)), service: fc.option(fc.constantFrom(...HEALTH_COLOURS)) }),
});

const userArb = fc.record({
  account: fc.nat(),
  role: fc.option(fc.constantFrom(...ROLES)),
  persona: fc.option(fc.constantFrom(...PERSONAS)),
  attributes: attributesArb,
  responses: fc.array(fc.record({ score: fc.integer({ min: 0, max: 10 }), at: instantArb, excluded: fc.boolean() }), { maxLength: 3 }),
});

const datasetArb = fc.record({
  accounts: fc.array(accountArb, { minLength: 2, maxLength: 4 }),
  users: fc.array(userArb, { minLength: 3, maxLength: MAX_USERS }),
});
type Dataset = typeof datasetArb extends fc.Arbitrary<infer T> ? T : never;

const WINDOWS = [
  'last_30_days',
  'last_90_days',
  'this_month',
  'last_month',
  'this_quarter',
  'last_quarter',
  'year_to_date',
  'custom:2026-01-01..2026-06-30',
  'custom_2026-11-01_2026-11-24',
];

const isoDateArb = instantArb.chain((instant) => fc.constantFrom(instant.toISOString(), instant.toISOString().slice(0, 10)));

/** A value that fits the fact and operator, drawn near the data's own values. */
function scalarArb(subject: SqlSubject, fact: string, definition: FactDefinition): fc.Arbitrary<unknown> {
  if (definition.requiresPath) return fc.constantFrom<unknown>('pro', 'gold', '5', 5, 0, 5.5, true, false);
  switch (definition.type) {
    case 'number': {
      const range = definition.range ?? { min: 0, max: 10 };
      if (range.min === -100) return fc.oneof(fc.constantFrom(-100, -50, 0, 100 / 3, 50, 100), fc.integer({ min: -100, max: 100 }));
      if (range.max === 10) return fc.oneof(fc.integer({ min: 0, max: 10 }), fc.constant(6.5));
      return fc.integer({ min: 0, max: fact === 'oldestOpenTicketAgeDays' ? 40 : 4 });
    }
    case 'date':
      return isoDateArb;
    case 'enum':
      return fc.constantFrom(...(definition.values ?? []));
    case 'string':
      if (fact === 'role') return fc.constantFrom(...ROLES, '');
      if (fact === 'persona') return fc.constantFrom(...PERSONAS);
      if (fact === 'email') return fc.integer({ min: 0, max: MAX_USERS }).map((i) => `user${i}@example.com`);
      return fc.constantFrom(...SEGMENTS);
    default:
      throw new Error(`${subject} fact ${fact} has no SQL form`);
  }
}

function valueArb(subject: SqlSubject, fact: string, definition: FactDefinition, operator: string): fc.Arbitrary<unknown> {
  const scalar = scalarArb(subject, fact, definition);
  switch (operator) {
    case 'isKnown':
    case 'isUnknown':
      return fc.constant(true);
    case 'inLastDays':
    case 'moreThanDaysAgo':
      return fc.oneof(fc.constantFrom(1, 7, 10, 30, 90, 365), fc.integer({ min: 1, max: 400 }));
    case 'in':
    case 'notIn':
      return fc.array(scalar, { minLength: 1, maxLength: 3 });
    case 'between':
      return fc.tuple(scalar, scalar).map((bounds) => {
        const at = (bound: unknown) => (typeof bound === 'number' ? bound : Date.parse(String(bound)));
        return at(bounds[0]) <= at(bounds[1]) ? bounds : [bounds[1], bounds[0]];
      });
    default:
      return scalar;
  }
}

function leafArb(subject: SqlSubject): fc.Arbitrary<Condition> {
  return fc.constantFrom(...Object.entries(FACT_CATALOGUE[subject])).chain(([fact, definition]) =>
    fc.constantFrom(...OPERATORS_BY_TYPE[definition.type]).chain((operator) =>
      fc
        .record({
          value: valueArb(subject, fact, definition, operator),
          path: fc.constantFrom('$.plan', '$.seats', '$.tier', '$.missing'),
          window: fc.constantFrom(...WINDOWS),
          dimension: fc.constantFrom(...HEALTH_DIMENSIONS),
        })
        .map(({ value, path, window, dimension }): Condition => {
          const params = definition.params === undefined ? {} : { params: fact === 'accountHealth' ? { dimension } : { window } };
          return { fact, operator, value, ...params, ...(definition.requiresPath ? { path } : {}) };
        }),
    ),
  );
}

/** all / any / not nested up to `depth` levels above the leaves. */
function conditionArb(subject: SqlSubject, depth: number): fc.Arbitrary<Condition> {
  if (depth === 0) return leafArb(subject);
  return fc.oneof(leafArb(subject), groupArb(subject, depth));
}

function groupArb(subject: SqlSubject, depth: number): fc.Arbitrary<GroupCondition> {
  const children = fc.array(conditionArb(subject, depth - 1), { minLength: 1, maxLength: 3 });
  return fc.oneof(
    children.map((all): GroupCondition => ({ all })),
    children.map((any): GroupCondition => ({ any })),
    conditionArb(subject, depth - 1).map((not): GroupCondition => ({ not })),
  );
}

const rulesArb = (subject: SqlSubject) => fc.array(groupArb(subject, 3), { minLength: RULES_PER_RUN, maxLength: RULES_PER_RUN });

async function seed(db: Kysely<Database>, data: Dataset): Promise<void> {
  const accountIds: number[] = [];
  for (const [i, account] of data.accounts.entries()) {
    const { id } = await db
      .insertInto('accounts')
      .values({ external_id: `a${i}`, name: `Account ${i}`, segment: account.segment, attributes: JSON.stringify(account.attributes) })
      .returning('id')
      .executeTakeFirstOrThrow();
    accountIds.push(id);
  }
  const accountOf = (index: number) => accountIds[index % accountIds.length] as number;
  const tickets = data.accounts.flatMap((account, i) =>
    account.tickets.map((ticket, j) => ({
      external_id: `t${i}-${j}`,
      account_id: accountOf(i),
      priority: ticket.priority,
      status: ticket.status,
      opened_at: ticket.openedAt,
    })),
  );
  if (tickets.length > 0) await db.insertInto('tickets').values(tickets).execute();

  const health = data.accounts.flatMap((account, i) =>
    HEALTH_DIMENSIONS.flatMap((dimension) => {
      const colour = account.health[dimension];
      return colour === null ? [] : [{ account_id: accountOf(i), dimension, colour }];
    }),
  );
  if (health.length > 0) {
    const definition = JSON.stringify({ kind: 'health', name: 'seed', dimension: 'relationship', criteria: [{ colour: 'green' }] });
    const at = SETTINGS.now;
    const rule = await db
      .insertInto('rules')
      .values({ name: 'seed', kind: 'health', definition, enabled: true, version: 1, created_at: at, updated_at: at, created_by: 't', updated_by: 't' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('rule_versions')
      .values({ rule_id: rule.id, version: 1, definition, enabled: true, changed_by: 't', changed_at: at, change: 'created', note: null })
      .execute();
    await db
      .insertInto('account_health')
      .values(health.map((row) => ({ ...row, reasons: '[]', rule_id: rule.id, rule_version: 1, computed_at: at })))
      .execute();
  }

  for (const [i, user] of data.users.entries()) {
    const accountId = accountOf(user.account);
    const { id } = await db
      .insertInto('users')
      .values({
        external_id: `u${i}`,
        account_id: accountId,
        email: `user${i}@example.com`,
        role: user.role,
        persona: user.persona,
        attributes: JSON.stringify(user.attributes),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (user.responses.length === 0) continue;
    await db
      .insertInto('nps_responses')
      .values(
        user.responses.map((response, j) => ({
          user_id: id,
          account_id: accountId,
          csm_id: null,
          score: response.score,
          responded_at: response.at,
          received_at: SETTINGS.now,
          source: 'generic',
          source_response_id: `r${i}-${j}`,
          excluded: response.excluded,
        })),
      )
      .execute();
  }
}

/** For each rule, the ids json-rules-engine matches, from facts loaded page by page. */
async function engineMatches(db: Kysely<Database>, subject: SqlSubject, rules: GroupCondition[]): Promise<number[][]> {
  const matches: number[][] = rules.map(() => []);
  for (const [r, conditions] of rules.entries()) {
    const engine = createEngine(subject, [{ name: 'rule', conditions }], () => SETTINGS.now);
    const pages = subject === 'user' ? userFactPages(db, conditions, SETTINGS, { pageSize: 3 }) : accountFactPages(db, conditions, SETTINGS, { pageSize: 3 });
    for await (const page of pages) {
      for (const { id, facts } of page) {
        const [result] = await engine.run(facts);
        if (result?.result === true) matches[r]?.push(id);
      }
    }
  }
  return matches;
}

describeEachBackend('compiled SQL and json-rules-engine select the same', (db) => {
  for (const subject of ['user', 'account'] as const) {
    it(`${subject}s, for random rules and data`, async () => {
      const selectIds = subject === 'user' ? selectMatchingUserIds : selectMatchingAccountIds;
      await fc.assert(
        fc.asyncProperty(datasetArb, rulesArb(subject), async (data, rules) => {
          const kysely = db().kysely;
          await emptyDatabase(db());
          await seed(kysely, data);
          const expected = await engineMatches(kysely, subject, rules);
          for (const [r, conditions] of rules.entries()) {
            const ids = await selectIds(kysely, conditions, SETTINGS);
            expect(ids, `rule ${JSON.stringify(conditions)}`).toEqual(expected[r]);
          }
        }),
        { numRuns: NUM_RUNS },
      );
    }, 120_000);
  }
});
