import { z } from 'zod';
import { listCsms } from '../../db/queries/csms.ts';
import type { ApiApp, ApiDependencies } from '../api-app.ts';
import { errorResponseSchema } from '../api-error.ts';
import { rolesAllowed } from '../auth/access.ts';

const csmDirectorySchema = z
  .object({
    csms: z.array(
      z.object({
        id: z.number().int(),
        name: z.string(),
        email: z.string(),
        managerId: z.number().int().nullable().describe('the CSM they report to, who tasks escalate to'),
      }),
    ),
  })
  .meta({ id: 'CsmDirectory' });

/**
 * The CSM directory: who a task can be handed to. Every CSM sees every colleague, since a task may
 * go to anyone in customer success; their accounts and tasks stay scoped as ever.
 */
export function registerCsmRoutes(app: ApiApp, deps: ApiDependencies): void {
  app.get(
    '/csms',
    {
      config: { access: rolesAllowed('admin', 'csm') },
      schema: {
        tags: ['csms'],
        summary: 'every CSM by name, with their manager: whom a task can be reassigned to',
        response: { 200: csmDirectorySchema, 401: errorResponseSchema, 403: errorResponseSchema },
      },
    },
    async () => ({ csms: await listCsms(deps.db) }),
  );
}
