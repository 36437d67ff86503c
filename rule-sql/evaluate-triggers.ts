import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { computeAccountNps } from '../db/queries/account-nps.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import { ResponseNotFoundError, type ResponseEventRow, responseEvent } from '../db/queries/response-event.ts';
import type { HealthColour, HealthDimension } from '../db/tables/account-health.ts';
import { listRules } from '../db/queries/rules.ts';
import { listJourneys } from '../db/queries/journeys.ts';
import type { Journey } from '../db/tables/journeys.ts';
import { journeyTriggerRule } from '../journeys/journey-definition.ts';
import { parseWindowKey, resolveWindow } from '../nps/windows.ts';
import { type Clock, type FactValues, factKey, factReferences } from '../rules/create-engine.ts';
import { type CompiledRule, compileRule, type ConditionExplanation } from '../rules/evaluate-rule.ts';
import type { TriggerRule } from '../rules/rule-schema.ts';

export interface TriggerMatch {
  rule: string;
  ruleId: number;
  ruleVersion: number;
  explanation: ConditionExplanation;
}

export interface TriggerEvaluation {
  responseId: number;
  /** The enabled trigger rules that held for the response. */
  matches: TriggerMatch[];
  /** How many enabled trigger rules were evaluated. */
  evaluated: number;
  facts: FactValues;
}

/** A trigger to evaluate: a saved trigger rule or a journey's trigger, with its version. */
export interface VersionedTrigger {
  id: number;
  version: number;
  rule: TriggerRule;
}

/**
 * Evaluates triggers against one response event with json-rules-engine. Triggers are compiled
 * once per version and kept, so an event costs one engine run per trigger.
 */
export function createTriggerEvaluator(clock: Clock) {
  const compiled = new Map<string, CompiledRule>();
  const compiledFor = ({ id, version, rule }: VersionedTrigger): CompiledRule => {
    const key = `${rule.name}#${id}@${version}`;
    let entry = compiled.get(key);
    if (!entry) {
      entry = compileRule(rule, clock);
      compiled.set(key, entry);
    }
    return entry;
  };

  return async function evaluateTriggers(
    db: Kysely<Database>,
    response: number | ResponseEventRow,
    triggers: readonly VersionedTrigger[],
    settings: NpsSettingsAt,
    sources: EventFactSources = {},
  ): Promise<TriggerEvaluation> {
    const responseId = typeof response === 'number' ? response : response.response_id;
    const facts = await loadResponseEventFacts(db, response, triggers.map((t) => t.rule), settings, sources);
    const matches: TriggerMatch[] = [];
    for (const trigger of triggers) {
      const evaluation = await compiledFor(trigger).evaluate(facts);
      if (evaluation.matched) {
        matches.push({ rule: trigger.rule.name, ruleId: trigger.id, ruleVersion: trigger.version, explanation: evaluation.explanation });
      }
    }
    return { responseId, matches, evaluated: triggers.length, facts };
  };
}

/** The enabled trigger rules, as saved by admins. */
export async function enabledTriggerRules(db: Kysely<Database>): Promise<VersionedTrigger[]> {
  const rules = await listRules(db, { kind: 'trigger', enabledOnly: true, limit: 1_000 });
  return rules.map((rule) => ({ id: rule.id, version: rule.version, rule: rule.definition as TriggerRule }));
}

/** The triggers of the enabled journeys. */
export async function enabledJourneyTriggers(db: Kysely<Database>): Promise<VersionedTrigger[]> {
  return (await listJourneys(db, { enabledOnly: true, limit: 1_000 })).map(journeyTrigger);
}

/** A journey's trigger, versioned with the journey. */
export function journeyTrigger(journey: Journey): VersionedTrigger {
  return { id: journey.id, version: journey.version, rule: journeyTriggerRule(journey.definition) };
}

export interface EventFactSources {
  /**
   * The account's health colours as of now, for triggers that read `accountHealth`; unset, the
   * stored colours, which the derived-state drainer may not have refreshed for this response yet.
   */
  accountHealth?: (accountId: number) => Promise<Partial<Record<HealthDimension, HealthColour>>>;
}

/** The `response_event` facts the given trigger rules read, for one stored response (by id, or already read). */
export async function loadResponseEventFacts(
  db: Kysely<Database>,
  response: number | ResponseEventRow,
  rules: readonly TriggerRule[],
  settings: NpsSettingsAt,
  sources: EventFactSources = {},
): Promise<FactValues> {
  const event = typeof response === 'number' ? await responseEvent(db, response) : response;
  if (!event) throw new ResponseNotFoundError(response as number);
  const facts: Record<string, unknown> = {
    score: event.score,
    category: event.category,
    previousScore: event.previous_score,
    previousCategory: event.previous_category,
    scoreChange: event.previous_score === null ? null : event.score - event.previous_score,
    hasComment: event.comment !== null && event.comment.trim() !== '',
    respondedAt: event.responded_at,
    source: event.source,
    role: event.role,
    persona: event.persona,
    accountSegment: event.account_segment,
  };

  const references = rules.flatMap((rule) => factReferences(rule.conditions));
  const windowKeys = [...new Set(references.filter((r) => r.fact === 'accountNps').map((r) => String(r.params?.window)))];
  if (windowKeys.length > 0) {
    const windows = windowKeys.map((key) => ({ ...resolveWindow(parseWindowKey(key), settings), requested: key }));
    const figures = await computeAccountNps(db, windows.map(({ requested, start, end }) => ({ key: requested, start, end })), [event.account_id], settings.counting);
    for (const figure of figures) facts[factKey('accountNps', { window: figure.window_key })] = figure.nps;
  }
  if (references.some((r) => r.fact === 'accountHealth')) {
    const colours = sources.accountHealth
      ? await sources.accountHealth(event.account_id)
      : Object.fromEntries(
          (await db.selectFrom('account_health').select(['dimension', 'colour']).where('account_id', '=', event.account_id).execute()).map((h) => [h.dimension, h.colour]),
        );
    for (const dimension of ['relationship', 'service'] as const) {
      facts[factKey('accountHealth', { dimension })] = colours[dimension] ?? null;
    }
  }
  return facts;
}
