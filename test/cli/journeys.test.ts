import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/connect.ts';
import { installMissingJourneys } from '../../db/queries/journeys.ts';
import { BUILT_IN_JOURNEYS } from '../../journeys/built-in-journeys.ts';
import { cliRunner } from '../helpers/run-cli.ts';

let dataDir: string;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'npsloop-cli-journeys-'));
  const db = await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pglite') });
  await installMissingJourneys(db.kysely, BUILT_IN_JOURNEYS, { actor: 'npsloop' });
  await db.close();
}, 60_000);

afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('npsloop journeys enable and configure', () => {
  it('refuses to enable the review request on its placeholder page, sets the page, then enables it', async () => {
    const npsloop = cliRunner(dataDir);

    const refused = await npsloop('journeys', 'enable', 'promoter-review-request');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('$.steps.reviewUrl is the placeholder https://www.g2.com/products/your-product/take_survey');
    expect(refused.stderr).toContain('npsloop journeys configure promoter-review-request --review-url <url>');

    const notHttps = await npsloop('journeys', 'configure', 'promoter-review-request', '--review-url', 'http://www.g2.com/products/acme/reviews');
    expect(notHttps).toMatchObject({ code: 2, stderr: expect.stringContaining('--review-url: must be the https URL of the review page') });
    const noReviewPage = await npsloop('journeys', 'configure', 'detractor-follow-up', '--review-url', 'https://www.g2.com/products/acme/reviews');
    expect(noReviewPage).toMatchObject({ code: 2, stderr: expect.stringContaining('"detractor-follow-up" is a detractor_follow_up journey') });

    const configured = await npsloop('journeys', 'configure', 'promoter-review-request', '--review-url', 'https://www.g2.com/products/acme/reviews');
    expect(configured).toMatchObject({ code: 0, stdout: expect.stringContaining('review page https://www.g2.com/products/acme/reviews (version 2, disabled') });
    expect(await npsloop('journeys', 'enable', 'promoter-review-request')).toMatchObject({ code: 0, stdout: 'promoter-review-request: enabled (version 3)\n' });
    expect(await npsloop('journeys', 'disable', 'detractor-follow-up')).toMatchObject({ code: 0, stdout: 'detractor-follow-up: disabled (version 2)\n' });
  }, 120_000);
});
