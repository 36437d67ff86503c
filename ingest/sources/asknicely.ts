import { z } from 'zod';
import { fieldValue, idText, invalidPayload, objectError, type AdapterOutcome, type SourceAdapter } from './adapter.ts';
import { derivedId } from './derived-id.ts';

const SOURCE = 'asknicely';

const countError = (issue: { input?: unknown }): string =>
  issue.input === undefined ? 'is required' : 'must be a whole number from 1';

/** How many webhooks this response has fired, the first included; sent as a number or a string. */
const deliveryCountSchema = z.preprocess(
  (value) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
  z.number({ error: countError }).int({ error: countError }).min(1, { error: countError }),
);

const payloadSchema = z.looseObject(
  {
    count: deliveryCountSchema,
    person: z.looseObject({ email: fieldValue }, { error: objectError }),
    question: z.looseObject(
      { id: fieldValue, score: fieldValue, comment: fieldValue, responded: fieldValue },
      { error: objectError },
    ),
  },
  { error: objectError },
);

/** AskNicely webhooks: no event type; `count` above 1 means the response was edited. */
export const askNicelyAdapter: SourceAdapter = {
  source: SOURCE,
  parse(payload): AdapterOutcome {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) return invalidPayload(parsed.error, null);
    const { count, person, question } = parsed.data;
    // question.id names the response (one survey question sent to one person); count numbers its deliveries.
    const eventId = idText(question.id) === null ? null : derivedId([question.id, count]);
    return {
      kind: 'response',
      candidate: {
        source: SOURCE,
        sourceResponseId: question.id,
        email: person.email,
        score: question.score,
        comment: question.comment,
        respondedAt: question.responded,
      },
      paths: {
        sourceResponseId: 'question.id',
        email: 'person.email',
        score: 'question.score',
        comment: 'question.comment',
        respondedAt: 'question.responded',
      },
      eventId,
      isUpdate: count > 1,
    };
  },
};
