import type { HealthRule, ListRule, RuleDefinition, TriggerRule } from './rule-schema.ts';

/*
 * The example rules npsloop ships, for the cases the product's documents name. Each is an
 * ordinary rule an admin can read, copy and change; all pass validateRule.
 */

function capturedInLast30Days(category: 'promoter' | 'passive' | 'detractor', description: string): ListRule {
  return {
    kind: 'list',
    name: `${category === 'passive' ? 'passives' : `${category}s`}-last-30-days`,
    description,
    conditions: {
      all: [
        { fact: 'latestCategory', operator: 'equal', value: category },
        { fact: 'latestRespondedAt', operator: 'inLastDays', value: 30 },
      ],
    },
  };
}

export const DEFAULT_LIST_RULES: readonly ListRule[] = [
  capturedInLast30Days('promoter', 'Users whose latest response, given in the last 30 days, is a promoter (9–10)'),
  capturedInLast30Days('passive', 'Users whose latest response, given in the last 30 days, is a passive (7–8)'),
  capturedInLast30Days('detractor', 'Users whose latest response, given in the last 30 days, is a detractor (0–6)'),
  {
    kind: 'list',
    name: 'admin-detractors',
    description: 'Admins whose latest response is a detractor',
    conditions: {
      all: [
        { fact: 'latestCategory', operator: 'equal', value: 'detractor' },
        { fact: 'role', operator: 'equal', value: 'admin' },
      ],
    },
  },
];

const last90Days = { window: 'last_90_days' };
const last30Days = { window: 'last_30_days' };

export const DEFAULT_HEALTH_RULES: readonly HealthRule[] = [
  {
    kind: 'health',
    name: 'relationship-health',
    description: 'Relationship health from NPS',
    dimension: 'relationship',
    criteria: [
      {
        colour: 'red',
        reason: 'NPS over the last 90 days is below 0, or a detractor in the last 30 days',
        conditions: {
          any: [
            { fact: 'nps', params: last90Days, operator: 'lessThan', value: 0 },
            { fact: 'detractorCount', params: last30Days, operator: 'greaterThan', value: 0 },
          ],
        },
      },
      {
        colour: 'amber',
        reason: 'NPS over the last 90 days is below 30',
        conditions: { all: [{ fact: 'nps', params: last90Days, operator: 'lessThan', value: 30 }] },
      },
      // Also an account without responses: its NPS is unknown, and unknown is never below anything.
      { colour: 'green', reason: 'No warning signs in NPS' },
    ],
  },
  {
    kind: 'health',
    name: 'service-health',
    description: 'Service health from support tickets',
    dimension: 'service',
    criteria: [
      {
        colour: 'red',
        reason: 'A critical ticket is open, or a ticket has been unresolved for more than 14 days',
        conditions: {
          any: [
            { fact: 'openCriticalTicketCount', operator: 'greaterThan', value: 0 },
            { fact: 'oldestOpenTicketAgeDays', operator: 'greaterThan', value: 14 },
          ],
        },
      },
      {
        colour: 'amber',
        reason: 'More than 3 open tickets, or a ticket unresolved for more than 7 days',
        conditions: {
          any: [
            { fact: 'openTicketCount', operator: 'greaterThan', value: 3 },
            { fact: 'oldestOpenTicketAgeDays', operator: 'greaterThan', value: 7 },
          ],
        },
      },
      { colour: 'green', reason: 'No warning signs in support tickets' },
    ],
  },
];

export const DEFAULT_TRIGGER_RULES: readonly TriggerRule[] = [
  {
    kind: 'trigger',
    name: 'promoter',
    description: 'A promoter responded: ask for a public review',
    conditions: { all: [{ fact: 'category', operator: 'equal', value: 'promoter' }] },
  },
  {
    kind: 'trigger',
    name: 'detractor',
    description: 'A detractor responded: follow up with a task for the CSM',
    conditions: { all: [{ fact: 'category', operator: 'equal', value: 'detractor' }] },
  },
];

export const DEFAULT_RULES: readonly RuleDefinition[] = [...DEFAULT_LIST_RULES, ...DEFAULT_HEALTH_RULES, ...DEFAULT_TRIGGER_RULES];
