import { z } from 'zod';
import { ACCOUNT_NPS_SORT_KEYS, type AccountNpsGridRow, SORT_ORDERS, type WindowFigures } from '../../db/queries/account-nps-grid.ts';
import type { AccountHealthChangeView, AccountHealthView } from '../../db/queries/account-health.ts';
import type { AccountHealth } from '../../db/tables/account-health.ts';
import type { OwnershipHistory } from '../../db/queries/account-ownership.ts';
import type { AccountWithCsm } from '../../db/queries/accounts.ts';
import { type ResolvedWindow, STANDARD_WINDOWS } from '../../nps/windows.ts';
import { HEALTH_COLOURS, HEALTH_DIMENSIONS } from '../../rules/fact-catalogue.ts';
import { resolvedWindowSchema, resolvedWindowView, windowQueryFields, windowsOfQuery } from './nps-window-query.ts';

/** The request and response shapes of the account routes, and the views that fill them. */

// A page holds 5,000 accounts, so the web app's grid takes a book of accounts in one request.
export const MAX_GRID_LIMIT = 5_000;
export const MAX_HEALTH_CHANGES = 100;

export const accountIdParamsSchema = z.object({ id: z.coerce.number().int().positive().describe("the account's npsloop id") });

export const accountSchema = z
  .object({
    id: z.number().int(),
    externalId: z.string(),
    name: z.string(),
    segment: z.string().nullable(),
    csm: z.object({ id: z.number().int(), name: z.string(), email: z.string() }).nullable().describe('the CSM who owns the account now'),
  })
  .meta({ id: 'Account' });

const figuresFields = {
  promoters: z.number().int(),
  passives: z.number().int(),
  detractors: z.number().int(),
  total: z.number().int().describe('responses counted'),
  nps: z.number().nullable().describe('from -100 to 100, unrounded; null when there are no responses (not 0)'),
  marginOfError: z.number().nullable().describe('adjusted-Wald 95% margin of error, in points; null without responses'),
  sources: z.array(z.string()).describe('the sources of the responses counted'),
  lastResponseAt: z.string().nullable().describe('when the latest response counted was given'),
  lastSyncedAt: z
    .string()
    .nullable()
    .describe(
      'last synced: the latest time any of `sources` delivered responses to npsloop (a webhook delivery or a CSV import, ' +
        'for any account, whether its responses were taken or refused), so how current the figures can be. ' +
        'Not when the account was synced: instance syncs (CSMs, accounts, users, tickets) do not move it. Null when the window counts no response',
    ),
  computedAt: z.string().describe("the figures' time: a stored snapshot's, or now when computed for this request"),
};

function figuresView(f: WindowFigures) {
  return {
    promoters: f.promoters,
    passives: f.passives,
    detractors: f.detractors,
    total: f.total,
    nps: f.nps,
    marginOfError: f.marginOfError,
    sources: f.sources,
    lastResponseAt: f.lastResponseAt?.toISOString() ?? null,
    lastSyncedAt: f.lastSyncedAt?.toISOString() ?? null,
    computedAt: f.computedAt.toISOString(),
  };
}

export function accountView({ account, csm }: AccountWithCsm): z.infer<typeof accountSchema> {
  return { ...account, csm };
}

export const accountNpsGridQuerySchema = z
  .object({
    ...windowQueryFields,
    sort: z.enum(ACCOUNT_NPS_SORT_KEYS).default('name').describe('ties are ordered by name, then id, so pages are stable'),
    order: z.enum(SORT_ORDERS).optional().describe('default: asc for name, desc for the others; accounts without responses come last either way'),
    limit: z.coerce.number().int().min(1).max(MAX_GRID_LIMIT).default(100),
    offset: z.coerce.number().int().min(0).default(0),
    segment: z.string().min(1).optional(),
    csm: z
      .union([z.coerce.number().int().positive(), z.email()])
      .optional()
      .describe("the owning CSM's id or email"),
  })
  .transform((query, context) => {
    const windows = windowsOfQuery(query, context, [{ kind: 'this_quarter' }]);
    if (windows.length > 1) {
      context.addIssue({ code: 'custom', path: ['window'], message: 'the grid shows one window at a time' });
      return z.NEVER;
    }
    return { ...query, window: windows[0]! };
  });

export const accountNpsGridSchema = z
  .object({
    window: resolvedWindowSchema,
    accounts: z.array(
      z.object({
        account: accountSchema,
        ...figuresFields,
        health: z
          .array(z.object({ dimension: z.enum(HEALTH_DIMENSIONS), colour: z.enum(HEALTH_COLOURS) }))
          .describe('the current colour in each dimension a health rule has coloured (see /accounts/{id}/health for the reasons)'),
      }),
    ),
    page: z.object({
      offset: z.number().int(),
      limit: z.number().int(),
      total: z.number().int().describe('accounts the filters hold, in all'),
      nextOffset: z.number().int().nullable().describe('pass as `offset` for the next page; null on the last'),
    }),
  })
  .meta({ id: 'AccountNpsGrid' });

export function accountNpsGridView(
  window: ResolvedWindow,
  rows: AccountNpsGridRow[],
  page: { offset: number; limit: number; total: number },
  healthByAccount: ReadonlyMap<number, readonly AccountHealth[]>,
): z.infer<typeof accountNpsGridSchema> {
  const next = page.offset + rows.length;
  return {
    window: resolvedWindowView(window),
    accounts: rows.map((row) => ({
      account: accountView(row),
      ...figuresView(row.windows[0]!),
      health: (healthByAccount.get(row.account.id) ?? []).map(({ dimension, colour }) => ({ dimension, colour })),
    })),
    page: { ...page, nextOffset: rows.length > 0 && next < page.total ? next : null },
  };
}

export const accountNpsQuerySchema = z
  .object(windowQueryFields)
  .transform((query, context) => ({ windows: windowsOfQuery(query, context, STANDARD_WINDOWS) }));

export const accountNpsSchema = z
  .object({
    account: accountSchema,
    windows: z.array(z.object({ window: resolvedWindowSchema, ...figuresFields })).describe('in the order asked for; every standard window when none is'),
  })
  .meta({ id: 'AccountNps' });

export function accountNpsView(row: AccountNpsGridRow): z.infer<typeof accountNpsSchema> {
  return { account: accountView(row), windows: row.windows.map((f) => ({ window: resolvedWindowView(f.window), ...figuresView(f) })) };
}

export const accountHealthQuerySchema = z.object({
  changes: z.coerce.number().int().min(0).max(MAX_HEALTH_CHANGES).default(20).describe('how many of the latest colour changes to list'),
});

const healthChangeSchema = z.object({
  dimension: z.enum(HEALTH_DIMENSIONS),
  from: z.enum(HEALTH_COLOURS).nullable().describe("null for the account's first colour in the dimension"),
  to: z.enum(HEALTH_COLOURS),
  reasons: z.array(z.string()),
  rule: z.object({ id: z.number().int(), name: z.string(), version: z.number().int() }),
  changedAt: z.string(),
});

export const accountHealthSchema = z
  .object({
    account: accountSchema,
    dimensions: z
      .array(
        z.object({
          dimension: z.enum(HEALTH_DIMENSIONS),
          colour: z.enum(HEALTH_COLOURS).nullable().describe('null when no health rule has coloured the account in this dimension'),
          reasons: z.array(z.string()).describe("the deciding criterion's reason, then each condition that made it hold"),
          rule: z.object({ id: z.number().int(), name: z.string(), version: z.number().int() }).nullable(),
          computedAt: z.string().nullable(),
        }),
      )
      .describe('relationship and service, always both'),
    changes: z.array(healthChangeSchema).describe('the latest colour changes, newest first'),
  })
  .meta({ id: 'AccountHealth' });

export function accountHealthView(
  row: AccountWithCsm,
  current: AccountHealthView[],
  changes: AccountHealthChangeView[],
): z.infer<typeof accountHealthSchema> {
  const byDimension = new Map(current.map((health) => [health.dimension, health]));
  return {
    account: accountView(row),
    dimensions: HEALTH_DIMENSIONS.map((dimension) => {
      const health = byDimension.get(dimension);
      return {
        dimension,
        colour: health?.colour ?? null,
        reasons: health?.reasons ?? [],
        rule: health ? { id: health.rule_id, name: health.rule_name, version: health.rule_version } : null,
        computedAt: health?.computed_at.toISOString() ?? null,
      };
    }),
    changes: changes.map((change) => ({
      dimension: change.dimension,
      from: change.from_colour,
      to: change.to_colour,
      reasons: change.reasons,
      rule: { id: change.rule_id, name: change.rule_name, version: change.rule_version },
      changedAt: change.changed_at.toISOString(),
    })),
  };
}

const ownerSchema = z.object({ id: z.number().int(), name: z.string(), email: z.string() }).nullable().describe('null: no owner');

export const accountOwnershipSchema = z
  .object({
    account: accountSchema,
    intervals: z
      .array(z.object({ csm: ownerSchema, from: z.string(), to: z.string().nullable().describe('null for the current owner') }))
      .describe('who owned the account when, oldest first: responses are credited to the owner of their time'),
    changes: z
      .array(
        z.object({
          csm: ownerSchema,
          previousCsm: ownerSchema,
          effectiveFrom: z.string().describe('from when the new owner is credited; earlier than recordedAt for a handover recorded late'),
          recordedAt: z.string(),
          recordedBy: z.string().describe("the API token's name or the CLI's user that synced it"),
          recreditedResponses: z.number().int(),
        }),
      )
      .describe('each recorded change, newest first'),
  })
  .meta({ id: 'AccountOwnership' });

export function accountOwnershipView(row: AccountWithCsm, history: OwnershipHistory): z.infer<typeof accountOwnershipSchema> {
  return {
    account: accountView(row),
    intervals: history.intervals.map(({ csm, from, to }) => ({ csm, from: from.toISOString(), to: to?.toISOString() ?? null })),
    changes: history.changes.map(({ effectiveFrom, recordedAt, ...change }) => ({ ...change, effectiveFrom: effectiveFrom.toISOString(), recordedAt: recordedAt.toISOString() })),
  };
}
