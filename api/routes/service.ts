import { z } from 'zod';
import { publicRoute } from '../auth/access.ts';
import type { ApiApp } from '../api-app.ts';

/** Liveness and the OpenAPI document. */
export function registerServiceRoutes(app: ApiApp): void {
  app.get(
    '/healthz',
    {
      config: { access: publicRoute('load balancers probe it without credentials') },
      schema: { tags: ['service'], summary: 'liveness', security: [], response: { 200: z.object({ status: z.literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/openapi.json',
    { config: { access: publicRoute('the API description holds no data'), }, schema: { hide: true } },
    async () => app.swagger(),
  );
}
