import { npsSettingsOf } from '../../config/nps-settings.ts';
import { accountHealthWithRules, latestHealthChanges } from '../../db/queries/account-health.ts';
import { accountNpsGrid } from '../../db/queries/account-nps-grid.ts';
import { ownershipHistory } from '../../db/queries/account-ownership.ts';
import { findAccount } from '../../db/queries/accounts.ts';
import type { ApiApp, ApiDependencies } from '../api-app.ts';
import { errorResponseSchema, notFound } from '../api-error.ts';
import { rolesAllowed } from '../auth/access.ts';
import { ownerCsmIdOf } from '../auth/account-scope.ts';
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
import { resolveQueryWindow } from '../schemas/nps-window-query.ts';

const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema };

/**
 * Account NPS and Health 360. A csm token sees the accounts its CSM owns; any other account is
 * answered 404, as if it did not exist.
 */
export function registerAccountRoutes(app: ApiApp, deps: ApiDependencies): void {
  app.get(
    '/accounts/nps',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['accounts'],
        summary: 'the account grid: NPS of every account in one window, filtered, sorted and paged',
        description:
          'Standard windows are read from the stored snapshots when they are current, custom ones computed now. ' +
          'A csm token sees only the accounts its CSM owns.',
        querystring: accountNpsGridQuerySchema,
        response: { 200: accountNpsGridSchema, ...errors },
      },
    },
    async (request) => {
      const { window, sort, order, limit, offset, segment, csm } = request.query;
      const settings = npsSettingsOf(deps.config);
      const resolved = resolveQueryWindow(window, settings);
      const ownerCsmId = ownerCsmIdOf(request);
      const grid = await accountNpsGrid(deps.db, [resolved], settings, {
        filter: {
          ...(ownerCsmId === undefined ? {} : { ownerCsmId }),
          ...(segment === undefined ? {} : { segment }),
          ...(csm === undefined ? {} : { csm }),
        },
        sort,
        ...(order ? { order } : {}),
        limit,
        offset,
      });
      return accountNpsGridView(resolved, grid.rows, { offset, limit, total: grid.total });
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
      const ownerCsmId = ownerCsmIdOf(request);
      const grid = await accountNpsGrid(deps.db, windows, settings, {
        filter: { accountIds: [request.params.id], ...(ownerCsmId === undefined ? {} : { ownerCsmId }) },
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
      const ownerCsmId = ownerCsmIdOf(request);
      const account = await findAccount(deps.db, request.params.id, ownerCsmId === undefined ? {} : { ownerCsmId });
      if (!account) throw notFound(`account ${request.params.id}`);
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
      const ownerCsmId = ownerCsmIdOf(request);
      const account = await findAccount(deps.db, request.params.id, ownerCsmId === undefined ? {} : { ownerCsmId });
      if (!account) throw notFound(`account ${request.params.id}`);
      const [current, changes] = await Promise.all([
        accountHealthWithRules(deps.db, account.account.id),
        latestHealthChanges(deps.db, account.account.id, request.query.changes),
      ]);
      return accountHealthView(account, current, changes);
    },
  );
}
