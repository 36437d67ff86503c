import { type Config, loadConfig } from '../config/config.ts';
import { npsSettingsOf } from '../config/nps-settings.ts';
import { type Db, openDatabase } from '../db/connect.ts';
import type { NpsSettingsAt } from '../nps/nps-settings.ts';

export interface AppContext {
  config: Config;
  db: Db;
  /** Settings that depend on the clock: read anew for each use. */
  npsSettings(): NpsSettingsAt;
}

/** Loads the configuration from the environment and opens (and migrates) the database. */
export async function openAppContext(env: NodeJS.ProcessEnv = process.env): Promise<AppContext> {
  const config = loadConfig(env);
  const db = await openDatabase(config.database);
  return {
    config,
    db,
    npsSettings: () => npsSettingsOf(config),
  };
}
