import { z } from 'zod';

/** What a change to a versioned document (a rule, a journey) carries besides the document itself. */

/** The If-Match header of a change; `etagOf` names where the client read the version, e.g. "GET /rules/{name}". */
export const ifMatchHeadersOf = (etagOf: string) =>
  z.looseObject({
    'if-match': z.string().max(100).optional().describe(`the version the change was made from, e.g. "3" (the ETag of ${etagOf})`),
  });

export const expectedVersionField = z.number().int().min(1).optional().describe('the version the change was made from; or send If-Match');

export const noteField = z.string().max(1000).optional().describe('why, kept in the history');

const VERSION_CHANGES = ['created', 'updated', 'enabled', 'disabled', 'deleted'] as const;

/** One entry of a versioned document's history, as GET /rules/{name} and GET /journeys/{name} give it. */
export const documentVersionSchema = (definition: z.ZodType<Record<string, unknown>>, id: string) =>
  z
    .object({
      version: z.number().int(),
      change: z.enum(VERSION_CHANGES),
      enabled: z.boolean(),
      definition,
      changedBy: z.string(),
      changedAt: z.string(),
      note: z.string().nullable(),
    })
    .meta({ id });

/** A `rule_versions` or `journey_versions` row, as the history shows it. */
export function documentVersionView(version: {
  version: number;
  change: (typeof VERSION_CHANGES)[number];
  enabled: boolean;
  definition: unknown;
  changed_by: string;
  changed_at: Date;
  note: string | null;
}) {
  return {
    version: version.version,
    change: version.change,
    enabled: version.enabled,
    definition: version.definition as Record<string, unknown>,
    changedBy: version.changed_by,
    changedAt: version.changed_at.toISOString(),
    note: version.note,
  };
}
