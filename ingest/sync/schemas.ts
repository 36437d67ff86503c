import { IANAZone } from 'luxon';
import { z } from 'zod';
import { TICKET_PRIORITIES, TICKET_STATUSES } from '../../db/tables/tickets.ts';

/*
 * One record of each entity as an admin or an integration sends it to be "added to the instance".
 * A record states the whole entity: an optional field that is absent, null or blank is stored as
 * null (attributes as {}), so a sync can also clear a value.
 */

const MAX_ID_LENGTH = 200;
const MAX_NAME_LENGTH = 200;
const MAX_EMAIL_LENGTH = 320;
const MAX_SUBJECT_LENGTH = 1_000;
const MAX_ATTRIBUTES = 100;
const MAX_ATTRIBUTE_NAME_LENGTH = 100;
const MAX_ATTRIBUTE_TEXT_LENGTH = 2_000;

const isBlank = (value: unknown): boolean => value === null || (typeof value === 'string' && value.trim() === '');

const textError = (issue: { input?: unknown }): string => (issue.input === undefined ? 'is required' : 'must be text');

function text(max: number) {
  return z.string({ error: textError }).trim().max(max, { error: `must be at most ${max} characters` });
}

function requiredText(max: number) {
  return text(max).min(1, { error: 'is required' });
}

/** Absent, null and blank all mean "none", stored as null. */
function optional<T extends z.ZodType>(schema: T) {
  return z
    .preprocess((value) => (isBlank(value) ? undefined : value), schema.optional())
    .transform((value): z.output<T> | null => value ?? null);
}

/** Some integrations send numeric ids; they are kept as text. */
const externalId = z.preprocess(
  (value) => (typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value),
  requiredText(MAX_ID_LENGTH),
);

const email = z.preprocess(
  (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value),
  z
    .email({ error: (issue) => (issue.input === undefined || issue.input === '' ? 'is required' : 'must be an email address') })
    .max(MAX_EMAIL_LENGTH, { error: `must be at most ${MAX_EMAIL_LENGTH} characters` }),
);

const attributeValue = z.union(
  [
    z.string().max(MAX_ATTRIBUTE_TEXT_LENGTH, { error: `must be at most ${MAX_ATTRIBUTE_TEXT_LENGTH} characters` }),
    z.number(),
    z.boolean(),
    z.null(),
  ],
  {
    error: 'must be text, a number, true, false or null',
  },
);

/** Free-form facts about an account or user that rules can use, e.g. { plan: "enterprise", seats: 40 }. */
const attributes = z
  .record(
    z.string().trim().min(1).max(MAX_ATTRIBUTE_NAME_LENGTH),
    attributeValue,
    {
      error: (issue) =>
        issue.code === 'invalid_key'
          ? `names must be 1 to ${MAX_ATTRIBUTE_NAME_LENGTH} characters`
          : 'must be an object of text, number, true/false or null values',
    },
  )
  .refine((value) => Object.keys(value).length <= MAX_ATTRIBUTES, { error: `must have at most ${MAX_ATTRIBUTES} entries` })
  .nullish()
  .transform((value) => value ?? {});

/** Case-insensitive, so a spreadsheet's "High" is the API's "high". */
function lowerCaseEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value),
    z.enum(values, { error: (issue) => (issue.input === undefined ? 'is required' : `must be one of ${values.join(', ')}`) }),
  );
}

const ISO_DATE_MESSAGE = 'must be an ISO 8601 date such as 2026-03-01 or 2026-03-01T09:30:00Z';

/** A date alone is midnight UTC; a date-time must say its offset, so no zone is guessed. */
const isoDate = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], {
    error: (issue) => (issue.input === undefined ? 'is required' : ISO_DATE_MESSAGE),
  })
  .transform((value) => new Date(value));

const recordError = { error: 'must be an object' };

export const csmRecordSchema = z.object(
  {
    externalId,
    email,
    name: requiredText(MAX_NAME_LENGTH),
    managerExternalId: optional(externalId),
    /** The zone the CSM reads times in (their task emails); left out, the instance's. */
    timeZone: optional(
      z.string({ error: 'must be an IANA time zone such as "Europe/Paris"' }).trim().refine((zone) => IANAZone.isValidZone(zone), {
        error: (issue) => `must be an IANA time zone such as "Europe/Paris", not ${JSON.stringify(issue.input)}`,
      }),
    ),
  },
  recordError,
);

export const accountRecordSchema = z.object(
  {
    externalId,
    name: requiredText(MAX_NAME_LENGTH),
    segment: optional(text(MAX_NAME_LENGTH)),
    /** None: the account is unowned. */
    csmExternalId: optional(externalId),
    /** When the owner took over, for a handover recorded after the fact; none: now. */
    csmEffectiveFrom: optional(isoDate),
    attributes,
  },
  recordError,
);

export const userRecordSchema = z.object(
  {
    externalId,
    accountExternalId: externalId,
    email,
    name: optional(text(MAX_NAME_LENGTH)),
    role: optional(text(MAX_NAME_LENGTH)),
    persona: optional(text(MAX_NAME_LENGTH)),
    attributes,
  },
  recordError,
);

export const ticketRecordSchema = z
  .object(
    {
      externalId,
      accountExternalId: externalId,
      priority: lowerCaseEnum(TICKET_PRIORITIES),
      status: lowerCaseEnum(TICKET_STATUSES),
      subject: optional(text(MAX_SUBJECT_LENGTH)),
      openedAt: isoDate,
      resolvedAt: optional(isoDate),
    },
    recordError,
  )
  .superRefine((ticket, ctx) => {
    if (ticket.resolvedAt && ticket.resolvedAt < ticket.openedAt) {
      ctx.addIssue({ code: 'custom', path: ['resolvedAt'], message: 'is before openedAt' });
    }
  });

export const syncRecordSchemas = {
  csm: csmRecordSchema,
  account: accountRecordSchema,
  user: userRecordSchema,
  ticket: ticketRecordSchema,
};

export type SyncEntity = keyof typeof syncRecordSchemas;

export type CsmRecord = z.output<typeof csmRecordSchema>;
export type AccountRecord = z.output<typeof accountRecordSchema>;
export type UserRecord = z.output<typeof userRecordSchema>;
export type TicketRecord = z.output<typeof ticketRecordSchema>;

export type CsmRecordInput = z.input<typeof csmRecordSchema>;
export type AccountRecordInput = z.input<typeof accountRecordSchema>;
export type UserRecordInput = z.input<typeof userRecordSchema>;
export type TicketRecordInput = z.input<typeof ticketRecordSchema>;
