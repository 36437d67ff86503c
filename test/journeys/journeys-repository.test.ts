import { expect, it } from 'vitest';
import { getJourney, installMissingJourneys, JourneyNotFoundError, listJourneys, saveJourney, setJourneyEnabled } from '../../db/queries/journeys.ts';
import { BUILT_IN_JOURNEYS, DETRACTOR_FOLLOW_UP, PROMOTER_REVIEW_REQUEST } from '../../journeys/built-in-journeys.ts';
import { JourneyNotReadyError } from '../../journeys/journey-readiness.ts';
import { describeEachBackend } from '../helpers/test-database.ts';

const at = new Date('2026-11-24T12:00:00Z');
const later = new Date('2026-11-25T12:00:00Z');

describeEachBackend('journeys repository', (db) => {
  it('saves a journey as version 1 and bumps the version only when the definition changes', async () => {
    const k = db().kysely;
    const created = await saveJourney(k, DETRACTOR_FOLLOW_UP, { actor: 'ops@acme.example', at });
    expect(created).toMatchObject({ name: 'detractor-follow-up', version: 1, enabled: true, updated_by: 'ops@acme.example' });
    expect(created.definition).toEqual(DETRACTOR_FOLLOW_UP);

    const unchanged = await saveJourney(k, DETRACTOR_FOLLOW_UP, { actor: 'someone-else', at: later });
    expect(unchanged).toMatchObject({ version: 1, updated_by: 'ops@acme.example', updated_at: at });

    const faster = { ...DETRACTOR_FOLLOW_UP, steps: { ...DETRACTOR_FOLLOW_UP.steps, slaHours: 24 } };
    const changed = await saveJourney(k, faster, { actor: 'lead@acme.example', at: later });
    expect(changed).toMatchObject({ version: 2, updated_by: 'lead@acme.example', updated_at: later, created_at: at });
    expect((await getJourney(k, 'detractor-follow-up')).definition).toEqual(faster);
  });

  it('enables and disables, each change a version', async () => {
    const k = db().kysely;
    await saveJourney(k, DETRACTOR_FOLLOW_UP, { actor: 'ops', at });
    expect(await setJourneyEnabled(k, 'detractor-follow-up', false, { actor: 'lead', at: later })).toMatchObject({ enabled: false, version: 2, updated_by: 'lead' });
    expect(await setJourneyEnabled(k, 'detractor-follow-up', false, { actor: 'other' })).toMatchObject({ enabled: false, version: 2, updated_by: 'lead' });
    await expect(setJourneyEnabled(k, 'nurture', true, { actor: 'ops' })).rejects.toThrow(JourneyNotFoundError);
    await expect(getJourney(k, 'nurture')).rejects.toThrow('no journey named "nurture"');
  });

  it('refuses to enable a review request on a placeholder review page, or to put an enabled one back on one', async () => {
    const k = db().kysely;
    await installMissingJourneys(k, BUILT_IN_JOURNEYS, { actor: 'npsloop', at });
    const onPage = (reviewUrl: string) => ({ ...PROMOTER_REVIEW_REQUEST, steps: { ...PROMOTER_REVIEW_REQUEST.steps, reviewUrl } });

    await expect(setJourneyEnabled(k, 'promoter-review-request', true, { actor: 'ops' })).rejects.toThrow(JourneyNotReadyError);
    await expect(setJourneyEnabled(k, 'promoter-review-request', true, { actor: 'ops' })).rejects.toThrow(
      'journey "promoter-review-request" cannot be enabled: $.steps.reviewUrl is the placeholder https://www.g2.com/products/your-product/take_survey',
    );
    // A disabled journey may be saved on a placeholder: that is how it ships.
    await saveJourney(k, onPage('https://reviews.example.com/acme'), { actor: 'ops', at });
    await expect(setJourneyEnabled(k, 'promoter-review-request', true, { actor: 'ops' })).rejects.toThrow('is the placeholder https://reviews.example.com/acme');
    expect(await getJourney(k, 'promoter-review-request')).toMatchObject({ enabled: false, version: 2 });

    await saveJourney(k, onPage('https://www.g2.com/products/acme/reviews'), { actor: 'ops', at });
    expect(await setJourneyEnabled(k, 'promoter-review-request', true, { actor: 'ops', at: later })).toMatchObject({ enabled: true, version: 4 });
    await expect(saveJourney(k, PROMOTER_REVIEW_REQUEST, { actor: 'ops' })).rejects.toThrow(JourneyNotReadyError);
    expect(await getJourney(k, 'promoter-review-request')).toMatchObject({ enabled: true, version: 4, definition: onPage('https://www.g2.com/products/acme/reviews') });
  });

  it('installs the built-ins that are missing, leaving an admin\'s changes alone; the review request waits for its URL', async () => {
    const k = db().kysely;
    const edited = { ...DETRACTOR_FOLLOW_UP, cooldownDays: 30 };
    await saveJourney(k, edited, { actor: 'admin', at });
    expect(await installMissingJourneys(k, BUILT_IN_JOURNEYS, { actor: 'npsloop', at: later })).toEqual(['promoter-review-request']);
    expect(await installMissingJourneys(k, BUILT_IN_JOURNEYS, { actor: 'npsloop' })).toEqual([]);
    const journeys = await listJourneys(k);
    expect(journeys.map((j) => [j.name, j.enabled, j.version, j.updated_by])).toEqual([
      ['detractor-follow-up', true, 1, 'admin'],
      ['promoter-review-request', false, 1, 'npsloop'],
    ]);
    expect(journeys[0]!.definition).toEqual(edited);
    expect(journeys[1]!.definition).toEqual(PROMOTER_REVIEW_REQUEST);
    expect((await listJourneys(k, { enabledOnly: true })).map((j) => j.name)).toEqual(['detractor-follow-up']);
    expect((await listJourneys(k, { afterName: 'detractor-follow-up', limit: 1 })).map((j) => j.name)).toEqual(['promoter-review-request']);
  });
});
