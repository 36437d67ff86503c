import fc from 'fast-check';
import { DETRACTOR_FOLLOW_UP, promoterReviewRequest } from '../../../journeys/built-in-journeys.ts';
import {
  FOLLOW_UP_PLACEHOLDERS,
  MAX_COOLDOWN_DAYS,
  MAX_ESCALATION_DEPTH,
  MAX_WAIT_HOURS,
  REVIEW_REQUEST_PLACEHOLDERS,
  type JourneyDefinitionInput,
} from '../../../journeys/journey-definition.ts';
import { anyJson, anyValue, keysOf, shapedLike } from './hostile-json.ts';
import { mutatedJson } from './json-mutations.ts';
import { validGroup } from './rule-documents.ts';

/*
 * Journey documents: valid ones (any trigger the rule catalogue allows, templates made of text
 * and their placeholders, numbers in range, defaults left out or not), the built-in journeys,
 * mutants of them, and anything.
 */

const slug = fc.stringMatching(/^[a-z0-9-]{1,100}$/);
const plainText = (maxLength: number) => fc.string({ maxLength }).map((text) => text.replace(/[{}]/g, ''));

/** Text and placeholders from `allowed`, holding each of `required`. */
function templated(allowed: readonly string[], required: readonly string[], { oneLine }: { oneLine: boolean }): fc.Arbitrary<string> {
  const part = fc.oneof(plainText(20), fc.constantFrom(...allowed).map((name) => `{{${name}}}`), fc.constantFrom(...allowed).map((name) => `{{ ${name} }}`));
  return fc
    .tuple(fc.array(part, { maxLength: 6 }), fc.shuffledSubarray([...required], { minLength: required.length }))
    .map(([parts, needed]) => [...parts, ...needed.map((name) => `{{${name}}}`)].join(' '))
    .map((text) => (oneLine ? text.replace(/[\r\n]/g, ' ') : text))
    .filter((text) => text.trim() !== '');
}

function emailTemplate(allowed: readonly string[], required: readonly string[] = []) {
  return fc.record({ subject: templated(allowed, [], { oneLine: true }), text: templated(allowed, required, { oneLine: false }) });
}

const optionalNumber = (min: number, max: number) => fc.option(fc.integer({ min, max }), { nil: undefined });

function withoutUndefined<T extends object>(document: T): T {
  return Object.fromEntries(Object.entries(document).filter(([, value]) => value !== undefined)) as T;
}

const reviewRequestSteps = fc
  .record({
    type: fc.constant('review_request' as const),
    emailTemplate: emailTemplate(REVIEW_REQUEST_PLACEHOLDERS, ['reviewUrl']),
    reviewUrl: fc.constantFrom('https://www.g2.com/products/acme/reviews', 'https://www.capterra.com/p/1234/acme/', 'https://g.page/r/acme/review'),
    reminderAfterHours: optionalNumber(1, MAX_WAIT_HOURS),
    reminderTemplate: emailTemplate(REVIEW_REQUEST_PLACEHOLDERS, ['reviewUrl']),
    askEveryEligibleRespondent: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map(withoutUndefined);

const followUpSteps = fc
  .record({
    type: fc.constant('detractor_follow_up' as const),
    slaHours: optionalNumber(1, MAX_WAIT_HOURS),
    escalationDepth: optionalNumber(0, MAX_ESCALATION_DEPTH),
    csmEmailTemplate: emailTemplate(FOLLOW_UP_PLACEHOLDERS),
    escalationEmailTemplate: emailTemplate(FOLLOW_UP_PLACEHOLDERS),
  })
  .map(withoutUndefined);

/** A journey the validator must take: every default may be left out. */
export const validJourney: fc.Arbitrary<JourneyDefinitionInput> = fc
  .record({
    name: slug,
    description: fc.option(fc.string({ maxLength: 60 }), { nil: undefined }),
    trigger: validGroup('response_event'),
    cooldownDays: optionalNumber(0, MAX_COOLDOWN_DAYS),
    maxResponseAgeDays: optionalNumber(1, MAX_COOLDOWN_DAYS),
    steps: fc.oneof(reviewRequestSteps, followUpSteps),
  })
  .map((journey) => withoutUndefined(journey) as JourneyDefinitionInput);

/** The journeys npsloop ships. */
export const BUILT_IN_DEFINITIONS: readonly JourneyDefinitionInput[] = [
  DETRACTOR_FOLLOW_UP,
  promoterReviewRequest({ askEveryEligibleRespondent: false }),
  promoterReviewRequest({ askEveryEligibleRespondent: true }),
];

/** Any document that could be sent as a journey: valid, built in, mutated, in the journeys' vocabulary, or anything. */
export const journeyDocument: fc.Arbitrary<unknown> = fc.oneof(
  validJourney,
  fc.constantFrom(...BUILT_IN_DEFINITIONS),
  { weight: 4, arbitrary: fc.oneof(validJourney.chain((journey) => mutatedJson(journey)), ...BUILT_IN_DEFINITIONS.map((journey) => mutatedJson(journey))) },
  shapedLike([...keysOf(...BUILT_IN_DEFINITIONS), 'review_request', 'detractor_follow_up', '{{reviewUrl}}', '{{nope}}']),
  anyJson,
  anyValue,
);
