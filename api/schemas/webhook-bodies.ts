import { z } from 'zod';
import { MAX_GENERIC_BATCH_SIZE } from '../../ingest/sources/generic-json.ts';
import type { SourceName } from '../../ingest/sources/index.ts';
import { BODY_SECRET_FIELD } from '../webhooks/verify-shared-secret.ts';

/*
 * What each survey tool's webhook sends, for the OpenAPI document only. The routes never validate
 * against these: a delivery is verified on its raw bytes, then the source's adapter
 * (ingest/sources/) validates it and names each problem at the vendor's own field path. So these
 * describe the fields npsloop reads and the vendor's types, and leave every other field open.
 */

const EMAIL = 'the respondent: a user synced to npsloop (a response from an unknown email waits in the rejection log until that user is synced)';
const SCORE = '0 to 10, a whole number';
const COMMENT = 'optional; at most 10,000 characters';
const UNIX_OR_ISO = 'ISO 8601 (a date without an offset is read in NPSLOOP_TIME_ZONE), or unix seconds or milliseconds';
const idOrNumber = z.union([z.string(), z.number()]);

const delightedPerson = z.looseObject({ id: z.string().optional(), email: z.string().describe(EMAIL), name: z.string().nullish() });
const delightedEventId = z.string().describe('the delivery: a replay of it changes nothing');

const delightedSurveyResponseEvent = z
  .looseObject({
    event_type: z.enum(['survey_response.created', 'survey_response.updated']),
    event_id: delightedEventId,
    event_data: z.looseObject({
      id: z.string().describe("the response's id: `updated` events (which usually bring the comment) update the same response"),
      survey_type: z.string().optional().describe('`nps`; other survey types are ignored (absent: NPS)'),
      person: delightedPerson,
      score: z.number().int().min(0).max(10).describe(SCORE),
      comment: z.string().nullish().describe(COMMENT),
      created_at: z.number().int().describe('unix seconds: when the score was given (the response date)'),
      updated_at: z.number().int().optional().describe('unix seconds; moves with every later comment or note, so not read'),
      permalink: z.string().optional(),
      person_properties: z.record(z.string(), z.unknown()).optional(),
      notes: z.array(z.unknown()).optional(),
      tags: z.array(z.unknown()).optional(),
      additional_answers: z.array(z.unknown()).optional(),
    }),
  })
  .meta({ id: 'DelightedSurveyResponseEvent' });

const delightedBody = z
  .union([
    delightedSurveyResponseEvent,
    z
      .looseObject({ event_type: z.literal('unsubscribe.created'), event_id: delightedEventId, event_data: z.looseObject({ person: delightedPerson }) })
      .describe('answered 202 and listed as ignored: nothing is stored'),
  ])
  .describe('A Delighted webhook event, signed with X-Delighted-Webhook-Signature; events of other types are ignored too.')
  .meta({ id: 'DelightedWebhookBody' });

const wootricResponse = z
  .looseObject({
    id: idOrNumber.describe("the response's id: an `updated` event updates the same response"),
    email: z.string().describe(EMAIL),
    score: z.union([z.string(), z.number()]).describe(`${SCORE}; Wootric sends it as text ("10")`),
    text: z.string().nullish().describe(`the comment, ${COMMENT}`),
    created_at: z.string().describe(`when the score was given: ${UNIX_OR_ISO}`),
    updated_at: z.string().optional(),
    excluded_from_calculations: z
      .union([z.boolean(), z.string()])
      .optional()
      .describe('true (or "true"): kept, and never counted in NPS'),
    external_id: z.string().nullish(),
    end_user_id: idOrNumber.optional(),
    end_user_properties: z.record(z.string(), z.unknown()).optional(),
    survey_id: idOrNumber.optional(),
    ip_address: z.string().optional(),
    origin_url: z.string().optional(),
  })
  .meta({ id: 'WootricResponse' });

const wootricBody = z
  .looseObject({
    event_name: z.enum(['created', 'updated']).describe('other events are ignored'),
    survey_mode: z.string().optional().describe('`NPS`; CSAT and CES surveys are ignored (absent: NPS)'),
    response: wootricResponse.optional().describe('a response; the delivery carries this or `decline`'),
    decline: z.looseObject({ id: idOrNumber, updated_at: z.string().optional() }).optional().describe('a dismissed survey: no score, ignored'),
    timestamp: z.string().optional(),
    account_token: z.string().optional(),
  })
  .describe(
    'A Wootric / InMoment webhook event, signed with X-Wootric-Signature. As JSON, or form-encoded with the same fields ' +
      'flattened into bracketed names: `event_name=created&response[score]=10&response[email]=…`.',
  )
  .meta({ id: 'WootricWebhookBody' });

const askNicelyBody = z
  .looseObject({
    count: z.union([z.number().int(), z.string()]).describe("how many times this response's webhook has fired: 1 is new, more is an update of it"),
    person: z.looseObject({
      email: z.string().describe(EMAIL),
      id: idOrNumber.optional(),
      name: z.string().optional(),
      firstname: z.string().optional(),
      lastname: z.string().optional(),
      segment: z.string().optional(),
    }),
    question: z.looseObject({
      id: idOrNumber.describe("the response's id (one question sent to one person)"),
      score: z.union([z.string(), z.number()]).describe(`${SCORE}; AskNicely sends it as text`),
      comment: z.string().nullish().describe(COMMENT),
      responded: z.union([z.string(), z.number()]).describe('when the score was given: unix seconds, as text'),
      sent: z.union([z.string(), z.number()]).optional(),
      opened: z.union([z.string(), z.number()]).optional(),
      segment: z.string().optional(),
    }),
  })
  .describe('An AskNicely webhook (Webhooks app), with the shared secret in X-Npsloop-Secret or Basic credentials.')
  .meta({ id: 'AskNicelyWebhookBody' });

const retentlyBody = z
  .looseObject({
    email: z.string().describe(EMAIL),
    score: z.union([z.number(), z.string()]).describe(SCORE),
    createdDate: z.union([z.string(), z.number()]).describe(`when the score was given: ${UNIX_OR_ISO}`),
    comment: z.string().nullish().describe(COMMENT),
    id: idOrNumber.optional().describe("the response's id; without one, the email and createdDate name the response"),
    [BODY_SECRET_FIELD]: z.string().optional().describe('the shared secret, when the template carries it instead of a header; removed before anything is stored'),
  })
  .describe(
    "A Retently campaign webhook: a JSON template the customer edits. npsloop reads these fields of Retently's default template; " +
      'other fields (feedbackTags, country, customer details) are kept with the payload.',
  )
  .meta({ id: 'RetentlyWebhookBody' });

const genericResponse = z
  .looseObject({
    id: idOrNumber.optional().describe("the response's id in the tool it came from; without one, source, email and respondedAt name it, so a resend updates it"),
    email: z.string().describe(EMAIL),
    score: z.union([z.number().int().min(0).max(10), z.string()]).describe(`${SCORE} (or its text, "9")`),
    respondedAt: z.union([z.string(), z.number()]).describe(`when the score was given: ${UNIX_OR_ISO}`),
    comment: z.string().nullish().describe(COMMENT),
    source: z.string().min(1).max(100).nullish().describe('the tool the answer came from, recorded as its source (default: generic); it scopes `id`'),
  })
  .meta({ id: 'GenericResponse' });

const genericBody = z
  .union([
    genericResponse,
    z.array(genericResponse).max(MAX_GENERIC_BATCH_SIZE),
    z.looseObject({ responses: z.array(genericResponse).max(MAX_GENERIC_BATCH_SIZE) }),
  ])
  .describe(
    `npsloop's generic JSON, signed as Standard Webhooks: one response, a list of them, or { "responses": [...] } (at most ${MAX_GENERIC_BATCH_SIZE} a delivery).`,
  )
  .meta({ id: 'GenericWebhookBody' });

/** The body each webhook route documents (never validates). */
export const webhookBodySchemas: Record<SourceName, z.ZodType> = {
  delighted: delightedBody,
  wootric: wootricBody,
  asknicely: askNicelyBody,
  retently: retentlyBody,
  generic: genericBody,
};
