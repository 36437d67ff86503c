import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import { responseEvent } from '../db/queries/response-event.ts';
import { healthCriteriaPage, latestResponseIdOfUser, matchingUsersPage } from './rule-dry-run.ts';
import type { GroupCondition } from '../rules/condition-schema.ts';
import { compileHealthRule, compileRule, type ConditionExplanation, type HealthEvaluation, reasonsOf } from '../rules/evaluate-rule.ts';
import { HEALTH_COLOURS, type HealthColour, type HealthDimension } from '../rules/fact-catalogue.ts';
import { accountFactPages, userFactPages } from './load-facts.ts';
import type { HealthRule, ListRule, RuleDefinition, TriggerRule } from '../rules/rule-schema.ts';
import { loadResponseEventFacts } from './evaluate-triggers.ts';

/*
 * A rule run now without saving anything: who it would select, and why. The who is the compiled
 * SQL over everyone (as list refreshes and health use it), counted and paged by id; the why is
 * json-rules-engine's evaluation with the values each condition saw, for the first entities of
 * the page only, since each costs an engine run. Trigger rules have no "everyone": they are
 * evaluated against one response event.
 */

/** Entities explained per page at most. */
export const MAX_EXPLAINED = 50;
export const MAX_DRY_RUN_LIMIT = 1000;

/** The response event a trigger rule is tried on: a response, or a user's latest one. */
export type TriggerEventSource = { responseId: number } | { userId: number };

export interface DryRunOptions {
  /** Entities per page, 1 to MAX_DRY_RUN_LIMIT. */
  limit: number;
  /** The last id of the previous page. */
  afterId?: number;
  /** For trigger rules: required. */
  event?: TriggerEventSource;
}

/** A trigger dry run was asked without a response event to evaluate. */
export class DryRunEventRequiredError extends Error {
  override readonly name = 'DryRunEventRequiredError';
  constructor(readonly ruleName: string) {
    super(`trigger rule "${ruleName}" is evaluated against one response event: give a response id, or a user whose latest response to use`);
  }
}

/** The response, or the user's latest response, to try a trigger on does not exist. */
export class DryRunEventNotFoundError extends Error {
  override readonly name = 'DryRunEventNotFoundError';
}

export interface Why {
  /** Each condition with the value it saw and whether it held. */
  explanation: ConditionExplanation;
  /** The conditions that decided the outcome, as text. */
  reasons: string[];
}

export interface DryRunUser {
  id: number;
  email: string;
  name: string | null;
  account: { id: number; name: string };
  /** Present for the first MAX_EXPLAINED users of the page. */
  why?: Why;
}

export interface DryRunAccount {
  id: number;
  externalId: string;
  name: string;
  /** null when no criterion holds (a rule without an unconditional last criterion). */
  colour: HealthColour | null;
  criterionIndex: number | null;
  /** The criterion's reason and the conditions that made it hold; for the first MAX_EXPLAINED accounts of the page. */
  reasons?: string[];
}

interface Paged {
  rule: string;
  /** The instant the rule was evaluated at. */
  at: string;
  limit: number;
  /** The `after` of the next page; null on the last. */
  next: number | null;
  /** How many entities of this page carry an explanation. */
  explained: number;
}

export interface ListDryRun extends Paged {
  kind: 'list';
  /** Users the rule selects now, in all. */
  total: number;
  users: DryRunUser[];
}

export interface HealthDryRun extends Paged {
  kind: 'health';
  dimension: HealthDimension;
  /** Accounts in all. */
  total: number;
  /** Accounts per colour; `none` when no criterion holds. */
  colours: Record<HealthColour | 'none', number>;
  accounts: DryRunAccount[];
}

export interface TriggerDryRun {
  kind: 'trigger';
  rule: string;
  at: string;
  event: { responseId: number; userId: number; accountId: number; score: number; category: string; respondedAt: string };
  matched: boolean;
  why: Why;
}

export type RuleDryRun = ListDryRun | HealthDryRun | TriggerDryRun;

/** Runs a valid rule (saved or not) now, changing nothing. */
export async function dryRunRule(db: Kysely<Database>, rule: RuleDefinition, settings: NpsSettingsAt, options: DryRunOptions): Promise<RuleDryRun> {
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > MAX_DRY_RUN_LIMIT) {
    throw new RangeError(`limit must be a whole number from 1 to ${MAX_DRY_RUN_LIMIT}`);
  }
  switch (rule.kind) {
    case 'list':
      return dryRunList(db, rule, settings, options);
    case 'health':
      return dryRunHealth(db, rule, settings, options);
    case 'trigger':
      if (!options.event) throw new DryRunEventRequiredError(rule.name);
      return dryRunTrigger(db, rule, settings, options.event);
  }
}

function nextAfter(ids: readonly number[], limit: number): number | null {
  return ids.length === limit ? (ids[ids.length - 1] ?? null) : null;
}

async function dryRunList(db: Kysely<Database>, rule: ListRule, settings: NpsSettingsAt, options: DryRunOptions): Promise<ListDryRun> {
  const { total, users } = await matchingUsersPage(db, rule.conditions, settings, options);
  const explainedIds = users.slice(0, MAX_EXPLAINED).map((user) => user.id);
  const whys = new Map<number, Why>();
  if (explainedIds.length > 0) {
    const compiled = compileRule(rule, () => settings.now);
    for await (const page of userFactPages(db, rule.conditions, settings, { ids: explainedIds, pageSize: explainedIds.length })) {
      for (const { id, facts } of page) {
        const { explanation } = await compiled.evaluate(facts);
        whys.set(id, { explanation, reasons: reasonsOf(explanation) });
      }
    }
  }
  return {
    kind: 'list',
    rule: rule.name,
    at: settings.now.toISOString(),
    limit: options.limit,
    next: nextAfter(users.map((user) => user.id), options.limit),
    explained: whys.size,
    total,
    users: users.map((user) => {
      const why = whys.get(user.id);
      return {
        id: user.id,
        email: user.email,
        name: user.name,
        account: { id: user.account_id, name: user.account_name },
        ...(why ? { why } : {}),
      };
    }),
  };
}

/** Every fact any of the rule's criteria reads, as one condition tree for the fact loader. */
function allCriteriaConditions(rule: HealthRule): GroupCondition {
  return { all: rule.criteria.flatMap((criterion) => (criterion.conditions ? [criterion.conditions] : [])) };
}

/** The colour json-rules-engine gives each of these accounts under the rule, with its reasons. */
export async function explainAccountsHealth(
  db: Kysely<Database>,
  rule: HealthRule,
  accountIds: readonly number[],
  settings: NpsSettingsAt,
): Promise<Map<number, HealthEvaluation>> {
  const evaluations = new Map<number, HealthEvaluation>();
  if (accountIds.length === 0) return evaluations;
  const compiled = compileHealthRule(rule, () => settings.now);
  for await (const page of accountFactPages(db, allCriteriaConditions(rule), settings, { ids: accountIds, pageSize: accountIds.length })) {
    for (const { id, facts } of page) evaluations.set(id, await compiled.evaluate(facts));
  }
  return evaluations;
}

async function dryRunHealth(db: Kysely<Database>, rule: HealthRule, settings: NpsSettingsAt, options: DryRunOptions): Promise<HealthDryRun> {
  const { counts, accounts } = await healthCriteriaPage(db, rule, settings, options);
  const colourOf = (index: number | null): HealthColour | null => (index === null ? null : (rule.criteria[index]?.colour ?? null));
  const colours = Object.fromEntries([...HEALTH_COLOURS, 'none'].map((colour) => [colour, 0])) as Record<HealthColour | 'none', number>;
  for (const { criterion_index, accounts: count } of counts) colours[colourOf(criterion_index) ?? 'none'] += count;
  const evaluations = await explainAccountsHealth(db, rule, accounts.slice(0, MAX_EXPLAINED).map((account) => account.id), settings);
  return {
    kind: 'health',
    rule: rule.name,
    dimension: rule.dimension,
    at: settings.now.toISOString(),
    limit: options.limit,
    next: nextAfter(accounts.map((account) => account.id), options.limit),
    explained: evaluations.size,
    total: counts.reduce((sum, { accounts: count }) => sum + count, 0),
    colours,
    accounts: accounts.map((account) => {
      const evaluation = evaluations.get(account.id);
      return {
        id: account.id,
        externalId: account.external_id,
        name: account.name,
        colour: colourOf(account.criterion_index),
        criterionIndex: account.criterion_index,
        ...(evaluation ? { reasons: evaluation.reasons } : {}),
      };
    }),
  };
}

async function dryRunTrigger(db: Kysely<Database>, rule: TriggerRule, settings: NpsSettingsAt, source: TriggerEventSource): Promise<TriggerDryRun> {
  const responseId = 'responseId' in source ? source.responseId : await latestResponseIdOfUser(db, source.userId);
  if (responseId === null) throw new DryRunEventNotFoundError('the user has no response yet to evaluate the trigger against');
  const event = await responseEvent(db, responseId);
  if (!event) throw new DryRunEventNotFoundError(`no NPS response with id ${responseId}`);
  const facts = await loadResponseEventFacts(db, responseId, [rule], settings);
  const { matched, explanation } = await compileRule(rule, () => settings.now).evaluate(facts);
  return {
    kind: 'trigger',
    rule: rule.name,
    at: settings.now.toISOString(),
    event: {
      responseId,
      userId: event.user_id,
      accountId: event.account_id,
      score: event.score,
      category: event.category,
      respondedAt: event.responded_at.toISOString(),
    },
    matched,
    why: { explanation, reasons: reasonsOf(explanation) },
  };
}
