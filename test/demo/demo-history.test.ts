import { expect, it } from 'vitest';
import { demoDataset } from '../../demo/demo-dataset.ts';
import { journeyWindowStart } from '../../ingest/history-window.ts';

// `npm start` imports the demo's history with journeys on (the import's default) and then sends
// fresh answers by webhook so that journeys run: the history itself must start none.
it("the demo's history has no answer recent enough for its import to start a journey", () => {
  const now = new Date();
  const dates = demoDataset(now)
    .responsesCsv.trim()
    .split('\n')
    .slice(1)
    .map((line) => new Date(line.split(',')[3]!));
  expect(dates.length).toBeGreaterThan(100);
  for (const timeZone of ['UTC', 'Pacific/Kiritimati', 'America/Los_Angeles']) {
    const windowStart = journeyWindowStart(now, timeZone);
    expect(dates.filter((date) => date >= windowStart)).toEqual([]);
  }
});
