import { describe, expect, it } from 'vitest';
import { sourceAdapters } from '../../../ingest/sources/index.ts';

describe('source adapter registry', () => {
  it('files each adapter under the source name it reports', () => {
    for (const [name, adapter] of Object.entries(sourceAdapters)) expect(adapter.source).toBe(name);
    expect(Object.keys(sourceAdapters).sort()).toEqual(['asknicely', 'delighted', 'generic', 'retently', 'wootric']);
  });
});
