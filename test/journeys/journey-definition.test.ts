import { describe, expect, it } from 'vitest';
import { BUILT_IN_JOURNEYS, DETRACTOR_FOLLOW_UP, promoterReviewRequest } from '../../journeys/built-in-journeys.ts';
import { journeyTriggerRule, renderTemplate, validateJourneyDefinition } from '../../journeys/journey-definition.ts';
import { evaluateRule } from '../../rules/evaluate-rule.ts';
import { FACT_CATALOGUE } from '../../rules/fact-catalogue.ts';

const clock = () => new Date('2026-11-24T12:00:00Z');

/** A detractor follow-up as an admin might write it, defaults left out. */
function aFollowUp(overrides: { trigger?: unknown; steps?: Record<string, unknown>; [key: string]: unknown } = {}) {
  const { steps, ...rest } = overrides;
  return {
    name: 'admin-detractors',
    trigger: { all: [{ fact: 'category', operator: 'equal', value: 'detractor' }, { fact: 'role', operator: 'equal', value: 'admin' }] },
    ...rest,
    steps: {
      type: 'detractor_follow_up',
      csmEmailTemplate: { subject: 'Detractor at {{accountName}}', text: 'Hi {{assigneeName}}, {{userName}} scored {{score}}.' },
      escalationEmailTemplate: { subject: 'Escalated: {{accountName}}', text: '{{csmName}} did not follow up by {{dueAt}}.' },
      ...steps,
    },
  };
}

function aReviewRequest(steps: Record<string, unknown> = {}) {
  return {
    name: 'g2-reviews',
    trigger: { all: [{ fact: 'category', operator: 'equal', value: 'promoter' }] },
    steps: {
      type: 'review_request',
      emailTemplate: { subject: 'A review, {{firstName}}?', text: 'Hi {{firstName}} at {{accountName}}: {{reviewUrl}}' },
      reviewUrl: 'https://www.g2.com/products/acme/take_survey',
      reminderTemplate: { subject: 'Reminder', text: '{{ reviewUrl }}' },
      ...steps,
    },
  };
}

function errorsOf(input: unknown) {
  const result = validateJourneyDefinition(input);
  if (result.ok) throw new Error('expected the journey to be refused');
  return result.errors;
}

describe('journey definitions', () => {
  it('accepts the built-in journeys as they are written, every default explicit', () => {
    for (const { definition } of BUILT_IN_JOURNEYS) {
      expect(validateJourneyDefinition(definition)).toEqual({ ok: true, journey: definition });
    }
    const askEveryone = promoterReviewRequest({ askEveryEligibleRespondent: true });
    expect(validateJourneyDefinition(askEveryone)).toEqual({ ok: true, journey: askEveryone });
  });

  it('fills in the defaults', () => {
    const followUp = validateJourneyDefinition(aFollowUp());
    expect(followUp.ok && followUp.journey).toMatchObject({
      cooldownDays: 90,
      maxResponseAgeDays: 7,
      steps: { type: 'detractor_follow_up', slaHours: 48, escalationDepth: 2 },
    });
    const review = validateJourneyDefinition(aReviewRequest());
    expect(review.ok && review.journey.steps).toMatchObject({ reminderAfterHours: 72, askEveryEligibleRespondent: false });
  });

  it('checks the trigger as a trigger rule, reporting at paths inside the trigger', () => {
    expect(
      errorsOf(
        aFollowUp({
          trigger: {
            all: [
              { fact: 'category', operator: 'greaterThan', value: 'detractor' },
              { fact: 'latestScore', operator: 'lessThan', value: 7 },
              { fact: 'score', operator: 'lessThan', value: 11 },
            ],
          },
        }),
      ),
    ).toEqual([
      { path: '$.trigger.all[0].operator', message: expect.stringMatching(/"greaterThan" does not apply to category/), validValues: ['equal', 'notEqual', 'in', 'notIn', 'isKnown', 'isUnknown'] },
      {
        path: '$.trigger.all[1].fact',
        message: expect.stringMatching(/"latestScore" is not a fact of response events/),
        validValues: Object.keys(FACT_CATALOGUE.response_event),
      },
      { path: '$.trigger.all[2].value', message: expect.stringMatching(/11 is out of range/) },
    ]);
    expect(errorsOf(aFollowUp({ trigger: { fact: 'score', operator: 'lessThan', value: 7 } }))).toEqual([
      { path: '$.trigger', message: expect.stringMatching(/wrap a single condition/) },
    ]);
    expect(errorsOf(aFollowUp({ trigger: undefined }))).toEqual([{ path: '$.trigger', message: expect.stringMatching(/^is required/) }]);
  });

  it('refuses unknown placeholders, and a review email without its link', () => {
    expect(
      errorsOf(aReviewRequest({ emailTemplate: { subject: 'Hi {{lastName}}', text: 'Hi {{firstName}}, {{reviewUrl}} {{score}}' } })),
    ).toEqual([
      { path: '$.steps.emailTemplate.subject', message: '"{{lastName}}" is not a placeholder here; use {{firstName}}, {{accountName}}, {{reviewUrl}}' },
      { path: '$.steps.emailTemplate.text', message: expect.stringMatching(/^"\{\{score\}\}" is not a placeholder here/) },
    ]);
    expect(errorsOf(aReviewRequest({ reminderTemplate: { subject: 'Reminder', text: 'Please review us' } }))).toEqual([
      { path: '$.steps.reminderTemplate.text', message: 'must contain {{reviewUrl}}' },
    ]);
    expect(errorsOf(aFollowUp({ steps: { csmEmailTemplate: { subject: 'x', text: 'Hi {{assigneeName}, {{firstName}}' } } }))).toEqual([
      { path: '$.steps.csmEmailTemplate.text', message: expect.stringMatching(/^"\{\{firstName\}\}" is not a placeholder here/) },
      { path: '$.steps.csmEmailTemplate.text', message: expect.stringMatching(/^has unbalanced braces/) },
    ]);
  });

  it('takes an SLA in hours with fractions, down to 0.001 hours (3.6 seconds)', () => {
    for (const slaHours of [0.001, 5 / 3600, 0.5, 1.5]) {
      const checked = validateJourneyDefinition(aFollowUp({ steps: { slaHours } }));
      expect(checked.ok && checked.journey.steps).toMatchObject({ slaHours });
    }
    for (const slaHours of [0.0009, 0, 2161, Number.NaN, '2']) {
      expect(errorsOf(aFollowUp({ steps: { slaHours } })), String(slaHours)).toEqual([
        { path: '$.steps.slaHours', message: expect.stringMatching(/^must be a number of hours from 0.001 \(3.6 seconds\) to 2160/) },
      ]);
    }
  });

  it('reports every other mistake at its path, all at once', () => {
    expect(
      errorsOf(aFollowUp({ name: 'Admin Detractors', cooldownDays: 1.5, colour: 'red', steps: { slaHours: -1, escalationDepth: 11, wait: 3 } })),
    ).toEqual([
      { path: '$.name', message: expect.stringMatching(/^must be a name/) },
      { path: '$.cooldownDays', message: 'must be a whole number of days from 0 to 3650' },
      { path: '$.steps.slaHours', message: 'must be a number of hours from 0.001 (3.6 seconds) to 2160; fractions are allowed, e.g. 0.5 for 30 minutes' },
      { path: '$.steps.escalationDepth', message: 'must be a whole number of levels from 0 to 10' },
      { path: '$.steps.wait', message: expect.stringMatching(/^is not allowed here; detractor_follow_up steps have/) },
      { path: '$.colour', message: expect.stringMatching(/^is not allowed here; a journey has/) },
    ]);
    expect(errorsOf(aReviewRequest({ reviewUrl: 'http://www.g2.com/products/acme' }))).toEqual([
      { path: '$.steps.reviewUrl', message: expect.stringMatching(/^must be the https URL/) },
    ]);
    expect(errorsOf(aFollowUp({ steps: { type: 'nurture' } }))).toEqual([
      {
        path: '$.steps.type',
        message: 'must be the steps of a journey, with "type" one of review_request, detractor_follow_up',
        validValues: ['review_request', 'detractor_follow_up'],
      },
    ]);
  });

  it('renders templates as plain text, escaping nothing', () => {
    const { steps } = DETRACTOR_FOLLOW_UP;
    if (steps.type !== 'detractor_follow_up') throw new Error('a follow-up');
    expect(
      renderTemplate(
        { subject: 'Hi {{ firstName }}', text: '{{firstName}} & co <3: {{reviewUrl}}' },
        { firstName: 'Zoë <O\'Brien>', reviewUrl: 'https://npsloop.example/r/abc?x=1&y=2' },
      ),
    ).toEqual({ subject: "Hi Zoë <O'Brien>", text: "Zoë <O'Brien> & co <3: https://npsloop.example/r/abc?x=1&y=2" });
    expect(() => renderTemplate(steps.csmEmailTemplate, { accountName: 'Acme' })).toThrow('no value for the placeholder {{userName}}');
  });

  it('evaluates a journey trigger as a trigger rule; asking everyone matches every category', async () => {
    const promoterOnly = journeyTriggerRule(promoterReviewRequest({ askEveryEligibleRespondent: false }));
    const everyone = journeyTriggerRule(promoterReviewRequest({ askEveryEligibleRespondent: true }));
    for (const category of ['promoter', 'passive', 'detractor']) {
      expect((await evaluateRule(promoterOnly, { category }, clock)).matched).toBe(category === 'promoter');
      expect((await evaluateRule(everyone, { category }, clock)).matched).toBe(true);
    }
  });
});
