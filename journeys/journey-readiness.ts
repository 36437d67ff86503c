import { PLACEHOLDER_REVIEW_URL } from './built-in-journeys.ts';
import type { JourneyDefinition } from './journey-definition.ts';

/** A journey that would send what nobody should receive if it ran now: said at its JSON path. */
export class JourneyNotReadyError extends Error {
  override readonly name = 'JourneyNotReadyError';
  constructor(
    readonly journeyName: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`journey "${journeyName}" cannot be enabled: ${path} ${reason}`);
  }
}

/** Domains reserved for examples (RFC 2606): a review page there is a placeholder too. */
const EXAMPLE_DOMAIN = /(^|\.)example(\.(com|net|org))?$/i;

/**
 * Why the journey may not run yet, or null when it may. A review request whose review page is
 * still the shipped placeholder would send customers to another product's review page.
 */
export function journeyNotReadyReason(definition: JourneyDefinition): { path: string; reason: string } | null {
  if (definition.steps.type !== 'review_request') return null;
  const { reviewUrl } = definition.steps;
  if (reviewUrl === PLACEHOLDER_REVIEW_URL || EXAMPLE_DOMAIN.test(new URL(reviewUrl).hostname)) {
    return {
      path: '$.steps.reviewUrl',
      reason:
        `is the placeholder ${reviewUrl}: set it to your own review page first, e.g. https://www.g2.com/products/<your product>/reviews ` +
        `(\`npsloop journeys configure ${definition.name} --review-url <url>\`, or PUT /journeys/${definition.name})`,
    };
  }
  return null;
}

/** Throws JourneyNotReadyError for a journey that may not run yet. */
export function assertJourneyReady(definition: JourneyDefinition): void {
  const notReady = journeyNotReadyReason(definition);
  if (notReady) throw new JourneyNotReadyError(definition.name, notReady.path, notReady.reason);
}
