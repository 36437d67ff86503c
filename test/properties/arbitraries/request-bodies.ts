import fc from 'fast-check';
import type { SourceName } from '../../../ingest/sources/index.ts';
import { DETRACTOR_FOLLOW_UP } from '../../../journeys/built-in-journeys.ts';
import { DEFAULT_RULES } from '../../../rules/default-rules.ts';
import { accountRecord, csmRecord, ticketRecord, userRecord } from '../../fixtures/sync-records.ts';
import { brokenCsv, csvBytes, KNOWN_EMAILS, writtenCsv } from './history-csv.ts';
import { anyJson } from './hostile-json.ts';
import { journeyDocument } from './journey-documents.ts';
import { mutatedJson } from './json-mutations.ts';
import { ruleDocument, validRule } from './rule-documents.ts';
import { vendorPayload, wootricFormFields } from './vendor-payloads.ts';

/*
 * For each route of the API that takes a body, the requests to send it: its valid bodies mutated,
 * its neighbours' bodies, and any JSON at all. Keyed by the route as the route table names it.
 */

export interface BodyRequest {
  url: string;
  contentType: string;
  payload: string | Buffer;
}

/** What the bodies refer to: rows the test instance holds. */
export interface SeededNames {
  rule: string;
  journey: string;
  accountExternalId: string;
  csmEmail: string;
  /** A goal the instance holds. */
  goalId: number;
}

const JSON_TYPE = 'application/json';
const json = (url: string, body: fc.Arbitrary<unknown>): fc.Arbitrary<BodyRequest> =>
  body.map((value) => ({ url, contentType: JSON_TYPE, payload: JSON.stringify(value) ?? 'null' }));
const csv = (url: string): fc.Arbitrary<BodyRequest> =>
  fc.oneof(writtenCsv.map((file) => file.text), brokenCsv, csvBytes).map((payload) => ({ url, contentType: 'text/csv', payload }));

/** A valid body mutated, or any JSON. */
const around = (valid: unknown): fc.Arbitrary<unknown> => fc.oneof(fc.constant(valid), { weight: 3, arbitrary: mutatedJson(valid) }, anyJson);

const webhook = (source: SourceName): fc.Arbitrary<BodyRequest> => {
  const asJson = json(`/webhooks/${source}`, vendorPayload(source));
  if (source !== 'wootric') return asJson;
  const asForm = wootricFormFields.map((fields) => ({
    url: '/webhooks/wootric',
    contentType: 'application/x-www-form-urlencoded',
    payload: new URLSearchParams(Object.entries(fields)).toString(),
  }));
  return fc.oneof(asJson, asForm);
};

export function requestsByRoute(names: SeededNames): Record<string, fc.Arbitrary<BodyRequest>> {
  const savedRule = DEFAULT_RULES.find((rule) => rule.name === names.rule);
  const change = { expectedVersion: 1, note: 'why it changed' };
  const goal = { name: 'Company at least 30', scope: { kind: 'company' }, period: 'quarter', target: { kind: 'at_least', nps: 30 } };
  const records = {
    csms: [csmRecord(), csmRecord({ email: 'ANN@cs.example ' })],
    accounts: [accountRecord({ csmExternalId: 'csm-missing' }), accountRecord()],
    users: [userRecord({ accountExternalId: names.accountExternalId }), userRecord({ accountExternalId: 'acct-missing' })],
    tickets: [ticketRecord({ accountExternalId: names.accountExternalId })],
  };
  return {
    'POST /tasks/:id/complete': json('/tasks/1/complete', around({ outcome: 'called, fixed the export' })),
    'POST /tasks/:id/reassign': json('/tasks/1/reassign', around({ assignee: names.csmEmail, reason: 'on leave' })),
    'POST /rules': json('/rules', fc.oneof(validRule.chain((rule) => around({ ...rule, enabled: false, note: 'new' })), ruleDocument)),
    'PUT /rules/:name': json(`/rules/${names.rule}`, fc.oneof(around({ ...savedRule, ...change }), ruleDocument)),
    'POST /rules/:name/enable': json(`/rules/${names.rule}/enable`, around(change)),
    'POST /rules/:name/disable': json(`/rules/${names.rule}/disable`, around(change)),
    'POST /rules/dry-run': json('/rules/dry-run', ruleDocument),
    'POST /rules/validate': json('/rules/validate', fc.oneof(validRule.chain((rule) => around(rule)), ruleDocument)),
    'POST /rules/:name/dry-run': json(`/rules/${names.rule}/dry-run`, anyJson),
    'PUT /journeys/:name': json(`/journeys/${names.journey}`, fc.oneof(around({ ...DETRACTOR_FOLLOW_UP, ...change }), journeyDocument)),
    'POST /journeys/dry-run': json('/journeys/dry-run', fc.oneof(around({ ...DETRACTOR_FOLLOW_UP, response: { user: KNOWN_EMAILS[0] } }), journeyDocument)),
    'POST /journeys/validate': json('/journeys/validate', fc.oneof(around(DETRACTOR_FOLLOW_UP), journeyDocument)),
    'POST /journeys/:name/enable': json(`/journeys/${names.journey}/enable`, around(change)),
    'POST /journeys/:name/disable': json(`/journeys/${names.journey}/disable`, around(change)),
    'POST /webhooks/delighted': webhook('delighted'),
    'POST /webhooks/wootric': webhook('wootric'),
    'POST /webhooks/asknicely': webhook('asknicely'),
    'POST /webhooks/retently': webhook('retently'),
    'POST /webhooks/generic': webhook('generic'),
    'POST /sync/:kind': fc.oneof(
      ...Object.entries(records).map(([kind, valid]) => json(`/sync/${kind}`, around({ records: valid }))),
      csv('/sync/users'),
    ),
    'POST /imports/responses': fc.oneof(csv('/imports/responses'), json('/imports/responses', anyJson)),
    'POST /goals': json('/goals', fc.oneof(around(goal), around({ ...goal, name: 'Enterprise +5', scope: { kind: 'segment', segment: 'enterprise' }, target: { kind: 'improve_by', points: 5 } }))),
    'PUT /goals/:id': json(`/goals/${names.goalId}`, around({ ...goal, target: { kind: 'at_least', nps: 40 } })),
    // Public, and answered alike for any address: one nobody may sign in with, so no email is sent
    // after the answer (a send in the background would change rows under a later request's count).
    'POST /auth/sign-in-links': json('/auth/sign-in-links', around({ email: 'nobody@elsewhere.example', next: '/app/tasks/1' })),
    // Public: without a session there is nothing to end, whatever the body.
    'POST /auth/sign-out': json('/auth/sign-out', anyJson),
    // Public, and signed per address: a forged token (well-formed, wrong signature) with any body.
    'POST /u/:token': fc
      .tuple(fc.oneof(fc.constant('List-Unsubscribe=One-Click'), fc.string({ maxLength: 2_000 })), fc.constantFrom('application/x-www-form-urlencoded', JSON_TYPE, 'text/plain'))
      .map(([payload, contentType]) => ({ url: `/u/${Buffer.from('ana@acme.example').toString('base64url')}.${'A'.repeat(22)}`, contentType, payload })),
  };
}
