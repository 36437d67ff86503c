import { z } from 'zod';
import { type GroupCondition, unknownKey } from '../rules/condition-schema.ts';
import type { TriggerRule } from '../rules/rule-schema.ts';
import { validateRule, type RuleError, zodIssueErrors } from '../rules/validate-rule.ts';
import { pathSteps } from '../rules/json-path.ts';

/*
 * A journey: the trigger rule that enrolls a user when a response comes in, and the steps the
 * journey workflow then runs. Checked when it is saved, never when it runs, and copied into each
 * enrollment, so editing a journey never changes a run already in flight. Mistakes come back at
 * their JSON path, as rule mistakes do (rules/validate-rule.ts).
 */

export const JOURNEY_TYPES = ['review_request', 'detractor_follow_up'] as const;
export type JourneyType = (typeof JOURNEY_TYPES)[number];

/** What a review request email may say: the rendered `reviewUrl` is npsloop's redirect, which records the click. */
export const REVIEW_REQUEST_PLACEHOLDERS = ['firstName', 'accountName', 'reviewUrl'] as const;
/** What a follow-up email to a CSM (or, escalated, to their manager) may say. */
export const FOLLOW_UP_PLACEHOLDERS = [
  'assigneeName',
  'csmName',
  'userName',
  'userEmail',
  'accountName',
  'score',
  'comment',
  'dueAt',
  'escalationLevel',
] as const;

export const MAX_COOLDOWN_DAYS = 3650;
export const MAX_WAIT_HOURS = 24 * 90;
export const MAX_ESCALATION_DEPTH = 10;
/** The shortest SLA: 0.001 hours, 3.6 seconds (a test instance's, or a fault drill's). */
export const MIN_SLA_HOURS = 0.001;

/** `{{name}}`, spaces inside the braces allowed. */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

const slugSchema = z
  .string({ error: 'must be a name of 1 to 100 characters a-z, 0-9 and -, e.g. promoter-review-request' })
  .regex(/^[a-z0-9-]{1,100}$/, { error: 'must be a name of 1 to 100 characters a-z, 0-9 and -, e.g. promoter-review-request' });

function wholeNumber(min: number, max: number, unit: string) {
  const message = `must be a whole number of ${unit} from ${min} to ${max}`;
  return z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
}

/** Hours with fractions, for a wait that may be shorter than an hour. */
function hours(min: number, max: number) {
  const message = `must be a number of hours from ${min} (${min * 3600} seconds) to ${max}; fractions are allowed, e.g. 0.5 for 30 minutes`;
  return z.number({ error: message }).min(min, { error: message }).max(max, { error: message });
}

/** Text whose placeholders are all in `allowed`, and which holds every one in `required`. */
function templatedText(allowed: readonly string[], required: readonly string[], maxLength: number) {
  const known = allowed.map((name) => `{{${name}}}`).join(', ');
  return z
    .string({ error: 'must be text' })
    .min(1, { error: 'must not be empty' })
    .max(maxLength, { error: `must be at most ${maxLength} characters` })
    .superRefine((text, context) => {
      const used = placeholdersIn(text);
      for (const name of new Set(used)) {
        if (!allowed.includes(name)) context.addIssue({ code: 'custom', message: `"{{${name}}}" is not a placeholder here; use ${known}` });
      }
      for (const name of required) {
        if (!used.includes(name)) context.addIssue({ code: 'custom', message: `must contain {{${name}}}` });
      }
      if (/\{\{|\}\}/.test(text.replace(PLACEHOLDER, ''))) {
        context.addIssue({ code: 'custom', message: `has unbalanced braces; a placeholder is written {{name}}, one of ${known}` });
      }
    });
}

function emailTemplateSchema(allowed: readonly string[], required: readonly string[] = []) {
  return z.strictObject(
    {
      // A header: one line. The subject may only use placeholders the text is also allowed.
      subject: templatedText(allowed, [], 200).refine((subject) => !/[\r\n]/.test(subject), { error: 'must be one line' }),
      text: templatedText(allowed, required, 10_000),
    },
    { error: unknownKey('an email template has subject and text (plain text)') },
  );
}

const reviewRequestStepsSchema = z.strictObject(
  {
    type: z.literal('review_request'),
    emailTemplate: emailTemplateSchema(REVIEW_REQUEST_PLACEHOLDERS, ['reviewUrl']),
    /** The review site's page; emails link to npsloop's redirect to it, which records the click. */
    reviewUrl: z.url({
      protocol: /^https$/,
      hostname: z.regexes.domain,
      error: 'must be the https URL of the review page, e.g. https://www.g2.com/products/acme/reviews',
    }),
    reminderAfterHours: wholeNumber(1, MAX_WAIT_HOURS, 'hours').default(72),
    reminderTemplate: emailTemplateSchema(REVIEW_REQUEST_PLACEHOLDERS, ['reviewUrl']),
    /** Ask every respondent the trigger admits, not only promoters: see journeys/built-in-journeys.ts. */
    askEveryEligibleRespondent: z.boolean({ error: 'must be true or false' }).default(false),
  },
  {
    error: unknownKey(
      'review_request steps have type, emailTemplate, reviewUrl, reminderAfterHours, reminderTemplate and askEveryEligibleRespondent',
    ),
  },
);

const detractorFollowUpStepsSchema = z.strictObject(
  {
    type: z.literal('detractor_follow_up'),
    /** How long each assignee has to complete the task before it goes one level up; fractions allowed, down to seconds. */
    slaHours: hours(MIN_SLA_HOURS, MAX_WAIT_HOURS).default(48),
    /** Levels above the owning CSM the task may climb (manager, their manager, ...); 0 never escalates. */
    escalationDepth: wholeNumber(0, MAX_ESCALATION_DEPTH, 'levels').default(2),
    csmEmailTemplate: emailTemplateSchema(FOLLOW_UP_PLACEHOLDERS),
    escalationEmailTemplate: emailTemplateSchema(FOLLOW_UP_PLACEHOLDERS),
  },
  { error: unknownKey('detractor_follow_up steps have type, slaHours, escalationDepth, csmEmailTemplate and escalationEmailTemplate') },
);

const stepsSchema = z.discriminatedUnion('type', [reviewRequestStepsSchema, detractorFollowUpStepsSchema], {
  error: `must be the steps of a journey, with "type" one of ${JOURNEY_TYPES.join(', ')}`,
});

/** A trigger rule's conditions, checked as validateRule checks a trigger rule's, errors at their paths here. */
const triggerSchema = z.unknown().transform((conditions, context): GroupCondition => {
  if (conditions === undefined) {
    context.addIssue({
      code: 'custom',
      message: 'is required: a trigger rule\'s conditions, e.g. { "all": [{ "fact": "category", "operator": "equal", "value": "detractor" }] }',
    });
    return z.NEVER;
  }
  const checked = validateRule({ kind: 'trigger', name: 'journey-trigger', conditions });
  if (checked.ok) return (checked.rule as TriggerRule).conditions;
  for (const error of checked.errors) {
    // validateRule reports at $.conditions...; here the conditions are the trigger itself.
    const { validValues, suggestion } = error;
    context.addIssue({ code: 'custom', path: pathSteps(error.path).slice(1), message: error.message, params: { validValues, suggestion } });
  }
  return z.NEVER;
});

export const journeyDefinitionSchema = z.strictObject(
  {
    name: slugSchema,
    description: z.string({ error: 'must be text' }).max(1000, { error: 'must be at most 1000 characters' }).optional(),
    trigger: triggerSchema,
    /** No new enrollment of a user within this many days of their previous one's start; 0 for none. */
    cooldownDays: wholeNumber(0, MAX_COOLDOWN_DAYS, 'days').default(90),
    /** An older response still updates NPS and health but enrolls nobody, so a history backfill never floods journeys. */
    maxResponseAgeDays: wholeNumber(1, MAX_COOLDOWN_DAYS, 'days').default(7),
    steps: stepsSchema,
  },
  { error: unknownKey('a journey has name, description, trigger, cooldownDays, maxResponseAgeDays and steps') },
);

export type JourneyDefinition = z.output<typeof journeyDefinitionSchema>;
/** As an admin writes it: defaults may be left out. */
export type JourneyDefinitionInput = z.input<typeof journeyDefinitionSchema>;
export type JourneySteps = JourneyDefinition['steps'];
export type ReviewRequestSteps = z.output<typeof reviewRequestStepsSchema>;
export type DetractorFollowUpSteps = z.output<typeof detractorFollowUpStepsSchema>;
export type EmailTemplate = ReviewRequestSteps['emailTemplate'];
export type ReviewRequestPlaceholder = (typeof REVIEW_REQUEST_PLACEHOLDERS)[number];
export type FollowUpPlaceholder = (typeof FOLLOW_UP_PLACEHOLDERS)[number];

export type JourneyValidation = { ok: true; journey: JourneyDefinition } | { ok: false; errors: RuleError[] };

/** The check a journey passes when it is saved: every mistake at once, each at its JSON path. */
export function validateJourneyDefinition(input: unknown): JourneyValidation {
  const parsed = journeyDefinitionSchema.safeParse(input);
  if (parsed.success) return { ok: true, journey: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.flatMap(zodIssueErrors),
  };
}

/** The journey's trigger as a trigger rule, for rules/evaluate-rule.ts to evaluate against a response event. */
export function journeyTriggerRule(journey: JourneyDefinition): TriggerRule {
  return { kind: 'trigger', name: journey.name, description: journey.description, conditions: journey.trigger };
}

/**
 * Fills a template's placeholders. Nothing is escaped: the email is plain text. Placeholders
 * were checked when the journey was saved, so one without a value is a bug in the caller.
 */
export function renderTemplate(template: EmailTemplate, values: Readonly<Record<string, string | number>>): EmailTemplate {
  const fill = (text: string) =>
    text.replace(PLACEHOLDER, (_, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`no value for the placeholder {{${name}}}`);
      return String(value);
    });
  return { subject: fill(template.subject), text: fill(template.text) };
}

function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');
}
