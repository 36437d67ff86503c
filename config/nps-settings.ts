import type { NpsSettingsAt } from '../nps/nps-settings.ts';
import type { Config } from './config.ts';

/** The NPS settings of this instance at this moment: read anew for each use, since "this month" moves. */
export function npsSettingsOf(config: Config): NpsSettingsAt {
  return { now: new Date(), timeZone: config.timeZone, counting: config.npsCounting };
}
