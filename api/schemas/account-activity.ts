import { z } from 'zod';
import type { AccountResponseRow, AccountUserRow } from '../../db/queries/account-people.ts';
import { NPS_CATEGORIES } from '../../nps/category.ts';
import { COUNTING_MODES } from '../../nps/counts.ts';
import type { NpsReport } from '../../reports/nps-report.ts';
import { EMPTY_COUNTS, reportCell } from '../../reports/report-cell.ts';
import { cellSchema, reportPeriodSchema, reportPeriodView } from './reports.ts';
import { encodeTimeCursor, timeCursorQueryField } from './time-cursor.ts';

/** The shapes of an account page's lists (users, responses) and of the monthly NPS trends. */

export const MAX_ACCOUNT_USERS_PAGE = 500;
export const MAX_ACCOUNT_RESPONSES_PAGE = 500;
export const MAX_TREND_MONTHS = 36;

export const accountUsersQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_ACCOUNT_USERS_PAGE).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const accountUsersSchema = z
  .object({
    users: z
      .array(
        z.object({
          id: z.number().int(),
          externalId: z.string(),
          email: z.string(),
          name: z.string().nullable(),
          role: z.string().nullable(),
          latestResponse: z
            .object({ score: z.number().int(), category: z.enum(NPS_CATEGORIES), respondedAt: z.string() })
            .nullable()
            .describe("the user's latest response counted in NPS; null when they never answered"),
        }),
      )
      .describe('by email'),
    page: z.object({
      offset: z.number().int(),
      limit: z.number().int(),
      total: z.number().int().describe("the account's users, in all"),
      nextOffset: z.number().int().nullable().describe('pass as `offset` for the next page; null on the last'),
    }),
  })
  .meta({ id: 'AccountUsers' });

export function accountUsersView(users: AccountUserRow[], page: { offset: number; limit: number; total: number }): z.infer<typeof accountUsersSchema> {
  const next = page.offset + users.length;
  return {
    users: users.map(({ latest, ...user }) => ({
      ...user,
      latestResponse: latest && { score: latest.score, category: latest.category, respondedAt: latest.respondedAt.toISOString() },
    })),
    page: { ...page, nextOffset: users.length > 0 && next < page.total ? next : null },
  };
}

export const accountResponsesQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_ACCOUNT_RESPONSES_PAGE).default(100),
  cursor: timeCursorQueryField,
});

export const accountResponsesSchema = z
  .object({
    responses: z
      .array(
        z.object({
          id: z.number().int(),
          score: z.number().int(),
          category: z.enum(NPS_CATEGORIES),
          comment: z.string().nullable(),
          respondedAt: z.string().describe('when the user answered'),
          receivedAt: z.string().describe('when npsloop received it'),
          source: z.string().describe('the survey tool or import it came from'),
          excluded: z.boolean().describe("left out of NPS at the survey tool's request"),
          user: z.object({ id: z.number().int(), email: z.string(), name: z.string().nullable() }),
        }),
      )
      .describe('newest first by when they were given'),
    nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last'),
  })
  .meta({ id: 'AccountResponses' });

export function accountResponsesView(responses: AccountResponseRow[], more: boolean): z.infer<typeof accountResponsesSchema> {
  const last = responses.at(-1);
  return {
    responses: responses.map((response) => ({ ...response, respondedAt: response.respondedAt.toISOString(), receivedAt: response.receivedAt.toISOString() })),
    nextCursor: more && last ? encodeTimeCursor({ at: last.respondedAt, key: String(last.id) }) : null,
  };
}

/** A cursor's key back as the response id it was made from; anything else names no place in the list. */
export function responseCursorOf(cursor: { at: Date; key: string } | undefined): { respondedAt: Date; id: number } | undefined {
  if (cursor === undefined) return undefined;
  return /^\d{1,10}$/.test(cursor.key) ? { respondedAt: cursor.at, id: Number(cursor.key) } : { respondedAt: cursor.at, id: 0 };
}

const trendFields = {
  timeZone: z.string().describe("months are the configured zone's"),
  counting: z.enum(COUNTING_MODES).describe("the instance's counting, as in account NPS"),
  minimumResponses: z.number().int().describe('cells under it are flagged, not hidden'),
  months: z.array(reportPeriodSchema).describe('oldest first; the last is this month, so far'),
};

export const accountTrendQuerySchema = z.object({
  months: z.coerce.number().int().min(1).max(MAX_TREND_MONTHS).default(12).describe('how many months, this one included'),
});

export const accountTrendSchema = z
  .object({
    accountId: z.number().int(),
    ...trendFields,
    cells: z.array(cellSchema).describe('one per month, in the order of `months`: NPS, n, the three counts, the 95% margin'),
  })
  .meta({ id: 'AccountNpsTrend' });

/** One account's row of a report grouped by account (no row: no responses in the range). */
export function accountTrendView(accountId: number, report: NpsReport): z.infer<typeof accountTrendSchema> {
  const row = report.rows.find((candidate) => candidate.key === String(accountId));
  return { accountId, ...trendHeader(report), cells: row?.cells ?? report.periods.map(() => reportCell(EMPTY_COUNTS, report.minimumResponses)) };
}

export const accountsTrendQuerySchema = z.object({
  months: z.coerce.number().int().min(1).max(MAX_TREND_MONTHS).default(6).describe('how many months, this one included'),
});

export const accountsTrendSchema = z
  .object({
    ...trendFields,
    accounts: z
      .array(
        z.object({
          accountId: z.number().int(),
          nps: z.array(z.number().nullable()).describe('one per month: null for a month without responses'),
          n: z.array(z.number().int()).describe('responses counted, one per month'),
        }),
      )
      .describe('every account the caller sees with a response in the range, by id; an account left out has none'),
  })
  .meta({ id: 'AccountsNpsTrend' });

export function accountsTrendView(report: NpsReport): z.infer<typeof accountsTrendSchema> {
  return {
    ...trendHeader(report),
    accounts: report.rows
      .flatMap((row) => (row.key === null ? [] : [{ accountId: Number(row.key), nps: row.cells.map((cell) => cell.nps), n: row.cells.map((cell) => cell.n) }]))
      .sort((a, b) => a.accountId - b.accountId),
  };
}

function trendHeader(report: NpsReport) {
  return { timeZone: report.timeZone, counting: report.counting, minimumResponses: report.minimumResponses, months: report.periods.map(reportPeriodView) };
}

