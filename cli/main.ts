import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config.ts';
import { registerGoalsCommand } from './commands/goals.ts';
import { registerImportCommand } from './commands/import.ts';
import { registerJourneysCommand } from './commands/journeys.ts';
import { registerListsCommand } from './commands/lists.ts';
import { registerNpsCommand } from './commands/nps.ts';
import { registerReportCommand } from './commands/report.ts';
import { registerRejectionsCommand } from './commands/rejections.ts';
import { registerRulesCommand } from './commands/rules.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerSignInLinkCommand } from './commands/sign-in-link.ts';
import { registerStartCommand } from './commands/start.ts';
import { registerSyncCommand } from './commands/sync.ts';
import { registerTasksCommand } from './commands/tasks.ts';
import { registerTokensCommand } from './commands/tokens.ts';
import { UsageError } from './usage-error.ts';

/** Exit codes: 0 ok, 1 failure, 2 usage error (a bad flag, argument or setting). */
export async function runCli(argv: string[]): Promise<number> {
  const program = new Command('npsloop')
    .description('closed-loop NPS for B2B customer success')
    .exitOverride()
    .showHelpAfterError();
  registerStartCommand(program);
  registerServeCommand(program);
  registerImportCommand(program);
  registerSyncCommand(program);
  registerNpsCommand(program);
  registerReportCommand(program);
  registerGoalsCommand(program);
  registerRejectionsCommand(program);
  registerRulesCommand(program);
  registerListsCommand(program);
  registerTasksCommand(program);
  registerJourneysCommand(program);
  registerTokensCommand(program);
  registerSignInLinkCommand(program);
  // Subcommands too: their usage errors must reach the exit-code mapping below.
  const all = (command: Command): Command[] => [command, ...command.commands.flatMap(all)];
  for (const command of all(program)) command.exitOverride();

  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError || error instanceof ConfigError) {
      console.error(`npsloop: ${error.message}`);
      return 2;
    }
    console.error(`npsloop: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
