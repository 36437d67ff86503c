import { NPS_CATEGORIES } from '../nps/category.ts';
import type { JourneyDefinition } from './journey-definition.ts';

/*
 * The journeys npsloop ships. Each is an ordinary definition an admin can read, copy and
 * change, written out in full (every default explicit) and valid by validateJourneyDefinition.
 * Passives have no journey by default; a definition with a passive trigger adds one.
 */

/** The review page the promoter journey ships with; see journeys/journey-readiness.ts. */
export const PLACEHOLDER_REVIEW_URL = 'https://www.g2.com/products/your-product/take_survey';

/**
 * Asks for a public review, then sends one reminder if the link was not clicked.
 *
 * By default only promoters are asked. Review sites such as G2, Capterra and Google forbid
 * soliciting reviews only from customers known to be happy ("review gating"): a vendor that
 * filters who is asked by sentiment can have its reviews removed or its listing penalised.
 * `askEveryEligibleRespondent: true` is the compliant variant: every respondent, whatever
 * their category, is asked, so the trigger matches any category.
 */
export function promoterReviewRequest(options: { askEveryEligibleRespondent: boolean }): JourneyDefinition {
  const { askEveryEligibleRespondent } = options;
  return {
    name: 'promoter-review-request',
    description: askEveryEligibleRespondent
      ? 'Every respondent is asked for a public review (no review gating), with one reminder if the link is not clicked'
      : 'A promoter is asked for a public review, with one reminder if the link is not clicked',
    trigger: askEveryEligibleRespondent
      ? { all: [{ fact: 'category', operator: 'in', value: [...NPS_CATEGORIES] }] }
      : { all: [{ fact: 'category', operator: 'equal', value: 'promoter' }] },
    cooldownDays: 90,
    maxResponseAgeDays: 7,
    steps: {
      type: 'review_request',
      emailTemplate: {
        subject: 'Would you share your experience, {{firstName}}?',
        text: [
          'Hi {{firstName}},',
          '',
          'Thank you for your feedback on behalf of {{accountName}}. Would you take a few minutes to',
          'share your experience in a public review? It helps other teams decide.',
          '',
          '{{reviewUrl}}',
          '',
          'Thank you!',
        ].join('\n'),
      },
      // A placeholder: the journey cannot be enabled until an admin sets the instance's own review page.
      reviewUrl: PLACEHOLDER_REVIEW_URL,
      reminderAfterHours: 72,
      reminderTemplate: {
        subject: 'A quick reminder: your review, {{firstName}}',
        text: [
          'Hi {{firstName}},',
          '',
          'In case it slipped by: a short public review of your experience would mean a lot to us.',
          '',
          '{{reviewUrl}}',
          '',
          'Thank you!',
        ].join('\n'),
      },
      askEveryEligibleRespondent,
    },
  };
}

/** A task for the CSM who owned the account when the detractor answered; escalated up the chain when nobody acts. */
export const DETRACTOR_FOLLOW_UP: JourneyDefinition = {
  name: 'detractor-follow-up',
  description: 'A detractor becomes a task for the owning CSM, escalated to their manager when the SLA passes',
  trigger: { all: [{ fact: 'category', operator: 'equal', value: 'detractor' }] },
  cooldownDays: 90,
  maxResponseAgeDays: 7,
  steps: {
    type: 'detractor_follow_up',
    slaHours: 48,
    escalationDepth: 2,
    csmEmailTemplate: {
      subject: 'Detractor at {{accountName}}: {{userName}} scored {{score}}',
      text: [
        'Hi {{assigneeName}},',
        '',
        '{{userName}} ({{userEmail}}) at {{accountName}} answered {{score}} out of 10.',
        'Comment: {{comment}}',
        '',
        'Please reach out and complete the follow-up task by {{dueAt}}.',
      ].join('\n'),
    },
    escalationEmailTemplate: {
      subject: 'Escalated: detractor at {{accountName}} not followed up',
      text: [
        'Hi {{assigneeName}},',
        '',
        '{{userName}} ({{userEmail}}) at {{accountName}} answered {{score}} out of 10, and the follow-up',
        'assigned to {{csmName}} was not completed in time (escalation level {{escalationLevel}}).',
        'Comment: {{comment}}',
        '',
        'Please make sure someone reaches out, and complete the task by {{dueAt}}.',
      ].join('\n'),
    },
  },
};

export const PROMOTER_REVIEW_REQUEST = promoterReviewRequest({ askEveryEligibleRespondent: false });

export interface BuiltInJourney {
  definition: JourneyDefinition;
  /** Whether it runs once installed. */
  enabled: boolean;
}

export const BUILT_IN_JOURNEYS: readonly BuiltInJourney[] = [
  // Disabled until its review URL, a placeholder, names the instance's own review page.
  { definition: PROMOTER_REVIEW_REQUEST, enabled: false },
  { definition: DETRACTOR_FOLLOW_UP, enabled: true },
];
