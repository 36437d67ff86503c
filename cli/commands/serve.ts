import type { Command } from 'commander';
import { loadConfig } from '../../config/config.ts';
import { ensureAdminToken } from '../../stack/admin-token.ts';
import { startStack } from '../../stack/start-stack.ts';
import { UsageError } from '../usage-error.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'production: run the HTTP API only, against DATABASE_URL and TEMPORAL_ADDRESS, logging JSON lines to stdout; ' +
        'run workers beside it with `npm run worker` (or npsloop-worker)',
    )
    .action(async () => {
      const config = loadConfig();
      if (!config.temporal.address) throw new UsageError('TEMPORAL_ADDRESS: `serve` connects to a running Temporal; `npsloop start` runs an embedded one');
      const stack = await startStack(config, { worker: false, logTo: 'stdout' });
      console.error(`npsloop: API on ${stack.apiUrl}, Temporal at ${stack.temporalAddress}`);
      const token = await ensureAdminToken(stack.db.kysely, config);
      if (token.kind === 'shown-once') console.error(`npsloop: first admin token (shown once, store it now): ${token.token}`);
      if (token.kind === 'saved') console.error(`npsloop: admin token in ${token.file}`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void stack.stop().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
