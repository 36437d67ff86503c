import { npsSettingsOf } from '../../config/nps-settings.ts';
import { accountHealthWithRules, currentHealthOf, latestHealthChanges } from '../../db/queries/account-health.ts';
import { accountNpsGrid } from '../../db/queries/account-nps-grid.ts';
import { ownershipHistory } from '../../db/queries/account-ownership.ts';
import { responsesOfAccount, usersOfAccount } from '../../db/queries/account-people.ts';
import { accountIdsOwnedBy, findAccount } from '../../db/queries/accounts.ts';
import { monthlyTrendByAccount } from '../../reports/monthly-trend.ts';
import type { FastifyRequest } from 'fastify';
import type { ApiApp, ApiDependencies } from '../api-app.ts';
import { errorResponseSchema, notFound } from '../api-error.ts';
import { rolesAllowed } from '../auth/access.ts';
import { visibleCsmIdsOf } from '../auth/account-scope.ts';
import {
  accountHealthQuerySchema,
  accountHealthSchema,
  accountHealthView,
  accountIdParamsSchema,
  accountNpsGridQuerySchema,
  accountNpsGridSchema,
  accountNpsGridView,
  accountNpsQuerySchema,
  accountNpsSchema,
  accountNpsView,
  accountOwnershipSchema,
  accountOwnershipView,
} from '../schemas/accounts.ts';
import {
  accountResponsesQuerySchema,
  accountResponsesSchema,
  accountResponsesView,
  accountsTrendQuerySchema,
  accountsTrendSchema,
  accountsTrendView,
  accountTrendQuerySchema,
  accountTrendSchema,
  accountTrendView,
  accountUsersQuerySchema,
  accountUsersSchema,
  accountUsersView,
  responseCursorOf,
} from '../schemas/account-activity.ts';
import { resolveQueryWindow } from '../schemas/nps-window-query.ts';

const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema };

/**
 * Account NPS and Health 360. A csm token sees the accounts its CSM owns (a manager's, their team's); any other account is
 * answered 404, as if it did not exist.
 */
export function registerAccountRoutes(app: ApiApp, deps: ApiDependencies): void {
  /** The account with this id, if the caller may see it; else 404, as if it did not exist. */
  const visibleAccount = async (request: FastifyRequest, accountId: number) => {
    const account = await findAccount(deps.db, accountId, { ownerCsmIds: await visibleCsmIdsOf(request, deps.db) });
    if (!account) throw notFound(`account ${accountId}`);
    return account;
  };
  const trendSettings = () => ({ now: new Date(), timeZone: deps.config.timeZone });
  const trendCounting = () => ({ counting: deps.config.npsCounting, minimumResponses: deps.config.reportMinimumResponses });

  app.get(
    '/accounts/nps',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['accounts'],
        summary: 'the account grid: NPS of every account in one window, filtered, sorted and paged',
        description:
          'Standard windows are read from the stored snapshots when they are current, custom ones computed now. ' +
          'A csm token sees only the accounts its CSM owns and, for a manager, those of everyone under them (their team, as in reports).',
        querystring: accountNpsGridQuerySchema,
        response: { 200: accountNpsGridSchema, ...errors },
      },
    },
    async (request) => {
      const { window, sort, order, limit, offset, segment, csm } = request.query;
      const settings = npsSettingsOf(deps.config);
      const resolved = resolveQueryWindow(window, settings);
      const ownerCsmIds = await visibleCsmIdsOf(request, deps.db);
      const grid = await accountNpsGrid(deps.db, [resolved], settings, {
        filter: {
          ownerCsmIds,
          ...(segment === undefined ? {} : { segment }),
          ...(csm === undefined ? {} : { csm }),
        },
        sort,
        ...(order ? { order } : {}),
        limit,
        offset,
      });
      const health = await currentHealthOf(deps.db, grid.rows.map((row) => row.account.id));
      return accountNpsGridView(resolved, grid.rows, { offset, limit, total: grid.total }, health);
    },
  );

  app.get(
    '/accounts/:id/nps',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['accounts'],
        summary: "an account's NPS per window",
        description: 'Every standard window unless `window` or `from`/`to` name others; custom windows are computed now.',
        params: accountIdParamsSchema,
        querystring: accountNpsQuerySchema,
        response: { 200: accountNpsSchema, 404: errorResponseSchema, ...errors },
      },
    },
    async (request) => {
      const settings = npsSettingsOf(deps.config);
      const windows = request.query.windows.map((window) => resolveQueryWindow(window, settings));
      const ownerCsmIds = await visibleCsmIdsOf(request, deps.db);
      const grid = await accountNpsGrid(deps.db, windows, settings, {
        filter: { accountIds: [request.params.id], ownerCsmIds },
        limit: 1,
      });
      const [row] = grid.rows;
      if (!row) throw notFound(`account ${request.params.id}`);
      return accountNpsView(row);
    },
  );

  app.get(
    '/accounts/:id/ownership',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['accounts'],
        summary: "who owned an account when, and each change of owner: who recorded it, when, and from when it took effect",
        params: accountIdParamsSchema,
        response: { 200: accountOwnershipSchema, 404: errorResponseSchema, ...errors },
      },
    },
    async (request) => {
      const account = await visibleAccount(request, request.params.id);
      return accountOwnershipView(account, await ownershipHistory(deps.db, account.account.id));
    },
  );

  app.get(
    '/accounts/:id/health',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['accounts'],
        summary: "an account's Health 360: its colour per dimension, why, and its latest colour changes",
        params: accountIdParamsSchema,
        querystring: accountHealthQuerySchema,
        response: { 200: accountHealthSchema, 404: errorResponseSchema, ...errors },
      },
    },
    async (request) => {
      const account = await visibleAccount(request, request.params.id);
      const [current, changes] = await Promise.all([
        accountHealthWithRules(deps.db, account.account.id),
        latestHealthChanges(deps.db, account.account.id, request.query.changes),
      ]);
      return accountHealthView(account, current, changes);
    },
  );

  app.get(
    '/accounts/nps/trend',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['accounts'],
        summary: "the accounts grid's sparklines: NPS per month over the last months, for every account the caller sees",
        description:
          'One grouped statement over the range (the report engine grouped by account, so each point is the figure ' +
          '`GET /reports/nps?by=account&period=month` gives). The last month is this one, so far. ' +
          'A csm token sees the accounts its CSM owns and, for a manager, those of their team.',
        querystring: accountsTrendQuerySchema,
        response: { 200: accountsTrendSchema, ...errors },
      },
    },
    async (request) => {
      const ownerCsmIds = await visibleCsmIdsOf(request, deps.db);
      const accounts = ownerCsmIds === undefined ? undefined : await accountIdsOwnedBy(deps.db, ownerCsmIds);
      const report = await monthlyTrendByAccount(deps.db, { months: request.query.months, accounts, ...trendCounting() }, trendSettings());
      return accountsTrendView(report);
    },
  );

  app.get(
    '/accounts/:id/nps/trend',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['accounts'],
        summary: "an account's NPS per month over the last months: the counts, n, NPS and its margin each month",
        description:
          "Every response credited to the account counts, counted as the instance counts account NPS; each month's cell is the one " +
          '`GET /reports/nps?by=account&period=month` gives, flagged under the minimum n. The last month is this one, so far.',
        params: accountIdParamsSchema,
        querystring: accountTrendQuerySchema,
        response: { 200: accountTrendSchema, 404: errorResponseSchema, ...errors },
      },
    },
    async (request) => {
      const { account } = await visibleAccount(request, request.params.id);
      const report = await monthlyTrendByAccount(deps.db, { months: request.query.months, accounts: [account.id], ...trendCounting() }, trendSettings());
      return accountTrendView(account.id, report);
    },
  );

  app.get(
    '/accounts/:id/users',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['accounts'],
        summary: "an account's users, by email, each with their latest score and when they gave it",
        params: accountIdParamsSchema,
        querystring: accountUsersQuerySchema,
        response: { 200: accountUsersSchema, 404: errorResponseSchema, ...errors },
      },
    },
    async (request) => {
      const { account } = await visibleAccount(request, request.params.id);
      const { limit, offset } = request.query;
      const page = await usersOfAccount(deps.db, account.id, { limit, offset });
      return accountUsersView(page.users, { limit, offset, total: page.total });
    },
  );

  app.get(
    '/accounts/:id/responses',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['accounts'],
        summary: "the responses credited to an account, newest first by when they were given, with comments",
        description:
          'A response is credited to the account its user answered from. Excluded responses (left out of NPS at the survey ' +
          "tool's request) are listed, marked. Pages follow `nextCursor`.",
        params: accountIdParamsSchema,
        querystring: accountResponsesQuerySchema,
        response: { 200: accountResponsesSchema, 404: errorResponseSchema, ...errors },
      },
    },
    async (request) => {
      const { account } = await visibleAccount(request, request.params.id);
      const { responses, more } = await responsesOfAccount(deps.db, account.id, { limit: request.query.limit, before: responseCursorOf(request.query.cursor) });
      return accountResponsesView(responses, more);
    },
  );
}
