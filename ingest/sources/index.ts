import { askNicelyAdapter } from './asknicely.ts';
import { delightedAdapter } from './delighted.ts';
import { genericJsonAdapter } from './generic-json.ts';
import { retentlyAdapter } from './retently.ts';
import { wootricAdapter } from './wootric.ts';

/** Every webhook source npsloop takes, by name. */
export const sourceAdapters = {
  delighted: delightedAdapter,
  wootric: wootricAdapter,
  asknicely: askNicelyAdapter,
  retently: retentlyAdapter,
  generic: genericJsonAdapter,
} as const;

export type SourceName = keyof typeof sourceAdapters;
