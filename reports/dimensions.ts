import { z } from 'zod';

/*
 * What a report groups responses by. CSM and team credit a response to the CSM who owned the
 * account when it was given (nps_responses.csm_id, kept from the ownership history); account,
 * segment, role, persona and attributes are read as they are now.
 */

export const REPORT_DIMENSIONS = [
  'company',
  'csm',
  'team',
  'account',
  'segment',
  'role',
  'persona',
  'source',
  'account_attribute',
  'user_attribute',
] as const;
export const reportDimensionSchema = z.enum(REPORT_DIMENSIONS);
export type ReportDimension = z.infer<typeof reportDimensionSchema>;

export const ATTRIBUTE_DIMENSIONS = ['account_attribute', 'user_attribute'] as const satisfies readonly ReportDimension[];

const ATTRIBUTE_PATH = /^\$(\.[A-Za-z_][A-Za-z0-9_-]*)+$/;

/** `$.plan` or `$.billing.plan`: a member path into the attributes object. */
export const attributePathSchema = z
  .string()
  .max(200)
  .regex(ATTRIBUTE_PATH, { error: 'must be a JSON path of member names such as $.plan or $.billing.region' });

/** ['billing', 'region'] for $.billing.region: what PostgreSQL's #>> operator takes. */
export function attributePathKeys(path: string): string[] {
  if (!ATTRIBUTE_PATH.test(path)) throw new RangeError(`"${path}" is not an attribute path such as $.plan`);
  return path.slice(2).split('.');
}

/** A dimension as asked: attribute dimensions carry their path. */
export type ReportGrouping =
  | { dimension: Exclude<ReportDimension, (typeof ATTRIBUTE_DIMENSIONS)[number]> }
  | { dimension: (typeof ATTRIBUTE_DIMENSIONS)[number]; attribute: string };

/** How a row whose key is missing (no CSM, no segment, an attribute not set) is labelled. */
export function noneLabelOf(grouping: ReportGrouping): string {
  switch (grouping.dimension) {
    case 'csm':
      return '(no CSM)';
    case 'segment':
      return '(no segment)';
    case 'role':
      return '(no role)';
    case 'persona':
      return '(no persona)';
    case 'account_attribute':
    case 'user_attribute':
      return `(no ${grouping.attribute})`;
    default:
      return '(none)';
  }
}
