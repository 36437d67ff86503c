import { z } from 'zod';
import {
  fieldValue,
  idText,
  invalidPayload,
  isRecord,
  objectError,
  textError,
  type AdapterOutcome,
  type SourceAdapter,
} from './adapter.ts';

const SOURCE = 'delighted';

const envelopeSchema = z.looseObject({ event_type: z.string({ error: textError }) }, { error: objectError });

const surveyResponseSchema = z.looseObject(
  {
    event_data: z.looseObject(
      {
        id: fieldValue,
        // Absent on payloads from before Delighted had other survey types, which were all NPS.
        survey_type: z.string({ error: textError }).optional(),
        person: z.looseObject({ email: fieldValue }, { error: objectError }).nullish(),
        score: fieldValue,
        comment: fieldValue,
        created_at: fieldValue,
      },
      { error: objectError },
    ),
  },
  { error: objectError },
);

/** Delighted webhooks: `survey_response.created` / `.updated`; the comment usually comes in the update. */
export const delightedAdapter: SourceAdapter = {
  source: SOURCE,
  parse(payload): AdapterOutcome {
    const eventId = isRecord(payload) ? idText(payload.event_id) : null;
    const envelope = envelopeSchema.safeParse(payload);
    if (!envelope.success) return invalidPayload(envelope.error, eventId);
    const eventType = envelope.data.event_type;
    if (eventType !== 'survey_response.created' && eventType !== 'survey_response.updated') {
      return { kind: 'ignored', reason: `event type ${eventType} is not a survey response`, eventId };
    }
    const parsed = surveyResponseSchema.safeParse(payload);
    if (!parsed.success) return invalidPayload(parsed.error, eventId);
    const data = parsed.data.event_data;
    if (data.survey_type !== undefined && data.survey_type !== 'nps') {
      return { kind: 'ignored', reason: `survey type ${data.survey_type} is not NPS`, eventId };
    }
    return {
      kind: 'response',
      candidate: {
        source: SOURCE,
        sourceResponseId: data.id,
        email: data.person?.email,
        score: data.score,
        comment: data.comment,
        // When the score was given; updated_at moves with every later comment or note.
        respondedAt: data.created_at,
      },
      paths: {
        sourceResponseId: 'event_data.id',
        email: 'event_data.person.email',
        score: 'event_data.score',
        comment: 'event_data.comment',
        respondedAt: 'event_data.created_at',
      },
      eventId,
      isUpdate: eventType === 'survey_response.updated',
    };
  },
};
