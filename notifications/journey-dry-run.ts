import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { timeZoneOfCsm } from '../db/queries/csms.ts';
import { enrollmentContext } from '../db/queries/enrollment-context.ts';
import { activeOrLatestEnrollment } from '../db/queries/enrollments.ts';
import { managerOf } from '../db/queries/tasks.ts';
import { type EnrollmentSkipReason, enrollmentSkipReason } from '../journeys/enrollment-eligibility.ts';
import { type JourneyDefinition, journeyTriggerRule, renderTemplate } from '../journeys/journey-definition.ts';
import { followUpValues, reviewRequestValues } from '../journeys/journey-email-values.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import { dryRunRule, type TriggerDryRun, type TriggerEventSource } from '../rule-sql/dry-run-rule.ts';
import { composeJourneyEmail, type JourneyEmailSettings, readableValues } from './journey-email.ts';

/*
 * A journey tried on one response, saving and sending nothing: whether its trigger takes the
 * response and why (per condition, as a trigger rule's dry run says), whether that enrolls the user,
 * and what would follow: the review request's email, or the follow-up task with its escalation chain.
 */

/** Where a review request's link would be: each email's own signed redirect, made only at enrollment. */
export const REVIEW_LINK_SHOWN = '{{reviewUrl}}';

const HOUR_MS = 3_600_000;

const SKIPPED_BECAUSE: Record<Exclude<EnrollmentSkipReason, 'disabled'>, (definition: JourneyDefinition) => string> = {
  response_too_old: (d) => `the response is older than ${d.maxResponseAgeDays} days (maxResponseAgeDays): it updates NPS and health but enrolls nobody`,
  already_active: () => 'the user is in this journey already',
  cooldown: (d) => `the user's previous enrollment started less than ${d.cooldownDays} days ago (cooldownDays)`,
};

export interface DryRunEmail {
  to: string;
  subject: string;
  /** The text part as it would go (the review link shown as its placeholder). */
  text: string;
  /** Why it would not go (an address that unsubscribed); absent when it would. */
  notSent?: string;
}

export interface DryRunPerson {
  id: number;
  email: string;
  name: string;
}

export type JourneyDryRunFollows =
  | { type: 'review_request'; email: DryRunEmail; reminderAfterHours: number }
  | {
      type: 'detractor_follow_up';
      /** The CSM who owned the account when the response was given; null: nobody, and the journey ends at once. */
      assignee: DryRunPerson | null;
      dueAt: string | null;
      slaHours: number;
      /** Who the task would go to, level by level, each time the SLA passed: the managers up the chain, at most escalationDepth. */
      escalation: (DryRunPerson & { level: number })[];
      email: DryRunEmail | null;
    };

export interface JourneyDryRun {
  journey: string;
  at: string;
  trigger: Omit<TriggerDryRun, 'kind' | 'rule' | 'at'>;
  /** Whether the user would be enrolled now, were the journey enabled. */
  enrolls: boolean;
  /** Why not, in words; null when enrolled. */
  notEnrolledBecause: string | null;
  /** What the journey would do: present when its trigger takes the response. */
  follows: JourneyDryRunFollows | null;
}

/** Runs a valid journey (saved or not) on a response event now, changing nothing. */
export async function dryRunJourney(
  db: Kysely<Database>,
  journey: JourneyDefinition,
  event: TriggerEventSource,
  settings: NpsSettingsAt & { email: JourneyEmailSettings },
): Promise<JourneyDryRun> {
  const now = settings.now;
  const { kind: _kind, rule: _rule, at: _at, ...trigger } = (await dryRunRule(db, journeyTriggerRule(journey), settings, { limit: 1, event })) as TriggerDryRun;
  const context = await enrollmentContext(db, trigger.event.responseId);
  if (!context) throw new Error(`response ${trigger.event.responseId} is gone`);
  const base = { journey: journey.name, at: now.toISOString(), trigger };
  if (!trigger.matched) return { ...base, enrolls: false, notEnrolledBecause: 'the trigger does not take this response', follows: null };

  const previous = await activeOrLatestEnrollment(db, journey.name, context.user.id);
  const skipped = enrollmentSkipReason(
    { enabled: true, definition: journey },
    context.respondedAt,
    previous && { status: previous.status, enrolledAt: previous.enrolled_at },
    now,
  ) as Exclude<EnrollmentSkipReason, 'disabled'> | null;
  const follows = journey.steps.type === 'review_request' ? await reviewRequestFollows(db, journey.steps, context, settings.email) : await followUpFollows(db, journey.steps, context, settings);
  return { ...base, enrolls: skipped === null, notEnrolledBecause: skipped === null ? null : SKIPPED_BECAUSE[skipped](journey), follows };
}

type Context = NonNullable<Awaited<ReturnType<typeof enrollmentContext>>>;
type Steps<T extends JourneyDefinition['steps']['type']> = Extract<JourneyDefinition['steps'], { type: T }>;

async function reviewRequestFollows(db: Kysely<Database>, steps: Steps<'review_request'>, context: Context, settings: JourneyEmailSettings): Promise<JourneyDryRunFollows> {
  const composed = await composeJourneyEmail(
    db,
    {
      idempotencyKey: 'dry-run',
      to: context.user.email,
      template: steps.emailTemplate,
      values: reviewRequestValues(context, REVIEW_LINK_SHOWN),
      workflowId: 'dry-run',
      about: { kind: 'customer', userId: context.user.id },
    },
    settings,
  );
  const email: DryRunEmail =
    'email' in composed
      ? { to: composed.email.to, subject: composed.email.subject, text: composed.email.text }
      : { ...renderTemplate(steps.emailTemplate, reviewRequestValues(context, REVIEW_LINK_SHOWN)), to: context.user.email, notSent: composed.notSent };
  return { type: 'review_request', email, reminderAfterHours: steps.reminderAfterHours };
}

async function followUpFollows(
  db: Kysely<Database>,
  steps: Steps<'detractor_follow_up'>,
  context: Context,
  settings: NpsSettingsAt & { email: JourneyEmailSettings },
): Promise<JourneyDryRunFollows> {
  const csm = context.csm;
  if (!csm) return { type: 'detractor_follow_up', assignee: null, dueAt: null, slaHours: steps.slaHours, escalation: [], email: null };
  const dueAt = new Date(settings.now.getTime() + steps.slaHours * HOUR_MS);
  const escalation: (DryRunPerson & { level: number })[] = [];
  // As the journey climbs it: one manager up per passed SLA, escalationDepth levels at most.
  for (let level = 1, below = csm.id; level <= steps.escalationDepth; level++) {
    const manager = await managerOf(db, below);
    if (!manager) break;
    escalation.push({ ...manager, level });
    below = manager.id;
  }
  const zone = (await timeZoneOfCsm(db, csm.id)) ?? settings.email.timeZone;
  const { subject, text } = renderTemplate(steps.csmEmailTemplate, readableValues(followUpValues(context, csm, 0, dueAt), zone));
  return { type: 'detractor_follow_up', assignee: csm, dueAt: dueAt.toISOString(), slaHours: steps.slaHours, escalation, email: { to: csm.email, subject, text } };
}
