import { z } from 'zod';
import { JOURNEY_EVENT_KINDS } from '../../db/queries/journey-events.ts';
import { MAX_TIMELINE_PAGE, type UserTimelineEvent } from '../../db/queries/user-timeline.ts';
import type { UserOnAccount } from '../../db/queries/users.ts';
import { NPS_CATEGORIES } from '../../nps/category.ts';
import { type EmailUnsubscribe, UNSUBSCRIBE_METHODS } from '../../db/tables/email-unsubscribes.ts';
import { encodeTimeCursor, timeCursorQueryField } from './time-cursor.ts';

/** The request and response shapes of the user routes, and the views that fill them. */

export const userIdParamsSchema = z.object({ id: z.coerce.number().int().positive().describe("the user's npsloop id") });
export const userEmailParamsSchema = z.object({ email: z.string().min(3).max(320).describe("the user's email, in any case") });

export const timelineQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_TIMELINE_PAGE).default(100),
  cursor: timeCursorQueryField.transform((cursor) => cursor && { at: cursor.at, eventId: cursor.key }),
});

const eventBase = {
  eventId: z.string().describe('unique and stable'),
  at: z.string(),
};

const timelineEventSchema = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('response'),
      ...eventBase,
      responseId: z.number().int(),
      score: z.number().int(),
      category: z.enum(NPS_CATEGORIES),
      comment: z.string().nullable(),
      source: z.string(),
      receivedAt: z.string(),
      accountId: z.number().int().describe('the account the response was credited to when it was given'),
      excluded: z.boolean().describe('left out of NPS at the survey tool’s request'),
    }),
    z.object({
      kind: z.enum(['list_entered', 'list_exited']),
      ...eventBase,
      ruleId: z.number().int(),
      list: z.string(),
    }),
    z.object({
      kind: z.enum(JOURNEY_EVENT_KINDS),
      ...eventBase,
      journeyName: z.string(),
      enrollmentId: z.number().int(),
      responseId: z.number().int().describe('the response that started the enrollment'),
      status: z.string().nullable().describe('enrollment_ended: completed, cancelled or failed'),
      outcome: z.string().nullable(),
      taskId: z.number().int().nullable(),
      escalationLevel: z.number().int().nullable(),
      assigneeCsmId: z.number().int().nullable(),
      assigneeName: z.string().nullable(),
      dueAt: z.string().nullable(),
      completedBy: z.string().nullable(),
    }),
  ])
  .meta({ id: 'TimelineEvent' });

export const userSchema = z
  .object({
    id: z.number().int(),
    externalId: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    role: z.string().nullable(),
    account: z.object({ id: z.number().int(), name: z.string() }),
  })
  .meta({ id: 'User' });

export const userTimelineSchema = z
  .object({
    user: userSchema,
    unsubscribed: z
      .object({ at: z.string(), method: z.enum(UNSUBSCRIBE_METHODS) })
      .nullable()
      .describe('the user unsubscribed from customer emails (one click in their mail client, or the link): journeys send them no more'),
    events: z.array(timelineEventSchema).describe('oldest first'),
    nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last'),
  })
  .meta({ id: 'UserTimeline' });

export function userView(user: UserOnAccount): z.infer<typeof userSchema> {
  return { id: user.id, externalId: user.externalId, email: user.email, name: user.name, role: user.role, account: { id: user.account.id, name: user.account.name } };
}

function eventView(event: UserTimelineEvent): z.infer<typeof timelineEventSchema> {
  switch (event.kind) {
    case 'response':
      return { ...event, at: event.at.toISOString(), receivedAt: event.receivedAt.toISOString() };
    case 'list_entered':
    case 'list_exited':
      return { ...event, at: event.at.toISOString() };
    default:
      return { ...event, at: event.at.toISOString(), dueAt: event.dueAt?.toISOString() ?? null };
  }
}

export function userTimelineView(
  user: UserOnAccount,
  unsubscribed: EmailUnsubscribe | undefined,
  events: UserTimelineEvent[],
  more: boolean,
): z.infer<typeof userTimelineSchema> {
  const last = events.at(-1);
  return {
    user: userView(user),
    unsubscribed: unsubscribed ? { at: unsubscribed.unsubscribed_at.toISOString(), method: unsubscribed.method } : null,
    events: events.map(eventView),
    nextCursor: more && last ? encodeTimeCursor({ at: last.at, key: last.eventId }) : null,
  };
}
