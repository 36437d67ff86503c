import { type Kysely, sql } from 'kysely';
import type { RuleDefinition, RuleKind } from '../../rules/rule-schema.ts';
import type { Database } from '../database.ts';
import { inTransaction } from '../in-transaction.ts';
import type { RuleChange, RuleVersion } from '../tables/rule-versions.ts';
import type { Rule } from '../tables/rules.ts';

export class RuleNotFoundError extends Error {
  override readonly name = 'RuleNotFoundError';
  constructor(readonly ruleName: string) {
    super(`no rule named "${ruleName}"`);
  }
}

export class RuleConflictError extends Error {
  override readonly name = 'RuleConflictError';
  constructor(readonly ruleName: string) {
    super(`a rule named "${ruleName}" already exists; choose another name, or update or delete that rule`);
  }
}

export class StaleRuleVersionError extends Error {
  override readonly name = 'StaleRuleVersionError';
  constructor(
    readonly ruleName: string,
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(
      `rule "${ruleName}" was changed by someone else: it is at version ${currentVersion}, not ${expectedVersion}; reload it and apply the change again`,
    );
  }
}

export class RuleKindChangeError extends Error {
  override readonly name = 'RuleKindChangeError';
  constructor(
    readonly ruleName: string,
    readonly from: RuleKind,
    readonly to: RuleKind,
  ) {
    super(`rule "${ruleName}" is a ${from} rule and cannot become a ${to} rule; create a new rule instead`);
  }
}

export interface RuleChangeOptions {
  /** Who makes the change (an email, a CLI user, "rule-files@git"). */
  actor: string;
  note?: string;
  /** When the change is made; the database's transaction time if omitted. */
  at?: Date;
}

export interface GuardedRuleChangeOptions extends RuleChangeOptions {
  /** The version the change was made from: if the rule has moved on since, the change is refused. */
  expectedVersion?: number;
}

function changedAt(options: RuleChangeOptions) {
  return options.at ?? sql<Date>`now()`;
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && e.constraint === constraint;
}

/** Writes the rule's state after a change as its next history row. */
async function recordVersion(trx: Kysely<Database>, rule: Rule, change: RuleChange, options: RuleChangeOptions): Promise<void> {
  await trx
    .insertInto('rule_versions')
    .values({
      rule_id: rule.id,
      version: rule.version,
      definition: JSON.stringify(rule.definition),
      enabled: rule.enabled,
      changed_by: options.actor,
      changed_at: rule.updated_at,
      change,
      note: options.note ?? null,
    })
    .execute();
}

/** The live rule with this name, locked until the transaction ends so changes to it are serialised. */
async function lockLiveRule(trx: Kysely<Database>, name: string, expectedVersion: number | undefined): Promise<Rule> {
  const rule = await trx
    .selectFrom('rules')
    .selectAll()
    .where('name', '=', name)
    .where('deleted_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  if (!rule) throw new RuleNotFoundError(name);
  if (expectedVersion !== undefined && expectedVersion !== rule.version) {
    throw new StaleRuleVersionError(name, expectedVersion, rule.version);
  }
  return rule;
}

/** Saves a new rule, validated beforehand by rules/validate-rule.ts, as version 1. */
export async function createRule(
  db: Kysely<Database>,
  definition: RuleDefinition,
  options: RuleChangeOptions & { enabled?: boolean },
): Promise<Rule> {
  return inTransaction(db, async (trx) => {
    const at = changedAt(options);
    const rule = await trx
      .insertInto('rules')
      .values({
        name: definition.name,
        kind: definition.kind,
        definition: JSON.stringify(definition),
        enabled: options.enabled ?? true,
        version: 1,
        created_at: at,
        updated_at: at,
        created_by: options.actor,
        updated_by: options.actor,
      })
      .onConflict((oc) => oc.column('name').where('deleted_at', 'is', null).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!rule) throw new RuleConflictError(definition.name);
    await recordVersion(trx, rule, 'created', options);
    return rule;
  });
}

/**
 * Replaces a rule's definition; a new `name` in the definition renames the rule. A definition
 * equal to the stored one (as JSON) changes nothing and makes no version, so re-applying rule
 * files is harmless.
 */
export async function updateRule(
  db: Kysely<Database>,
  name: string,
  definition: RuleDefinition,
  options: GuardedRuleChangeOptions,
): Promise<Rule> {
  return inTransaction(db, async (trx) => {
    const current = await lockLiveRule(trx, name, options.expectedVersion);
    if (definition.kind !== current.kind) throw new RuleKindChangeError(name, current.kind, definition.kind);
    const json = JSON.stringify(definition);
    let rule: Rule | undefined;
    try {
      rule = await trx
        .updateTable('rules')
        .set({
          name: definition.name,
          definition: json,
          version: sql`version + 1`,
          updated_at: changedAt(options),
          updated_by: options.actor,
        })
        .where('id', '=', current.id)
        // jsonb equality ignores key order and spacing.
        .where(sql<boolean>`definition <> ${json}::jsonb`)
        .returningAll()
        .executeTakeFirst();
    } catch (error) {
      if (isUniqueViolation(error, 'rules_live_name')) throw new RuleConflictError(definition.name);
      throw error;
    }
    if (!rule) return current;
    await recordVersion(trx, rule, 'updated', options);
    return rule;
  });
}

/** Enables or disables a rule; setting the state it already has changes nothing. */
export async function setRuleEnabled(
  db: Kysely<Database>,
  name: string,
  enabled: boolean,
  options: GuardedRuleChangeOptions,
): Promise<Rule> {
  return inTransaction(db, async (trx) => {
    const current = await lockLiveRule(trx, name, options.expectedVersion);
    if (current.enabled === enabled) return current;
    const rule = await trx
      .updateTable('rules')
      .set({ enabled, version: sql`version + 1`, updated_at: changedAt(options), updated_by: options.actor })
      .where('id', '=', current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordVersion(trx, rule, enabled ? 'enabled' : 'disabled', options);
    return rule;
  });
}

/** Soft delete: the rule stops running and its name is free, but it and its history stay. */
export async function deleteRule(db: Kysely<Database>, name: string, options: GuardedRuleChangeOptions): Promise<Rule> {
  return inTransaction(db, async (trx) => {
    const current = await lockLiveRule(trx, name, options.expectedVersion);
    const at = changedAt(options);
    const rule = await trx
      .updateTable('rules')
      .set({ enabled: false, deleted_at: at, version: sql`version + 1`, updated_at: at, updated_by: options.actor })
      .where('id', '=', current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordVersion(trx, rule, 'deleted', options);
    return rule;
  });
}

/** The live (not deleted) rule with this name. */
export async function getRule(db: Kysely<Database>, name: string): Promise<Rule> {
  const rule = await db
    .selectFrom('rules')
    .selectAll()
    .where('name', '=', name)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!rule) throw new RuleNotFoundError(name);
  return rule;
}

/** Live rules by name, paged by keyset: pass the last name of a page to get the next. */
export async function listRules(
  db: Kysely<Database>,
  filter: { kind?: RuleKind; enabledOnly?: boolean; limit?: number; afterName?: string } = {},
): Promise<Rule[]> {
  let query = db
    .selectFrom('rules')
    .selectAll()
    .where('deleted_at', 'is', null)
    .orderBy('name')
    .limit(Math.min(filter.limit ?? 100, 1_000));
  if (filter.kind) query = query.where('kind', '=', filter.kind);
  if (filter.enabledOnly) query = query.where('enabled', '=', true);
  if (filter.afterName !== undefined) query = query.where('name', '>', filter.afterName);
  return query.execute();
}

/**
 * The changes of the rule with this name, oldest first: the live rule's, or, when there is
 * none, those of the rule last deleted under that name (so its deletion can be read).
 * Paged by keyset: pass the last version of a page to get the next.
 */
export async function ruleHistory(
  db: Kysely<Database>,
  name: string,
  page: { limit?: number; afterVersion?: number } = {},
): Promise<RuleVersion[]> {
  const rule = await db
    .selectFrom('rules')
    .select('id')
    .where('name', '=', name)
    .orderBy(sql`deleted_at is null`, 'desc')
    .orderBy('deleted_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!rule) throw new RuleNotFoundError(name);
  let query = db
    .selectFrom('rule_versions')
    .selectAll()
    .where('rule_id', '=', rule.id)
    .orderBy('version')
    .limit(Math.min(page.limit ?? 100, 1_000));
  if (page.afterVersion !== undefined) query = query.where('version', '>', page.afterVersion);
  return query.execute();
}

/**
 * When the rule, disabled now, stopped running: the change that began its latest run of disabled
 * versions (a disable, or its creation when created disabled). Null while it is enabled.
 */
export async function ruleDisabledAt(db: Kysely<Database>, ruleId: number): Promise<Date | null> {
  const row = await db
    .selectFrom('rule_versions')
    .select('changed_at')
    .where('rule_id', '=', ruleId)
    .where('enabled', '=', false)
    .where('version', '>', (eb) =>
      eb
        .selectFrom('rule_versions')
        .select((inner) => inner.fn.coalesce(inner.fn.max('version'), inner.lit(0)).as('version'))
        .where('rule_id', '=', ruleId)
        .where('enabled', '=', true),
    )
    .orderBy('version')
    .limit(1)
    .executeTakeFirst();
  return row?.changed_at ?? null;
}
