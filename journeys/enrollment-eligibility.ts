import type { JourneyDefinition } from './journey-definition.ts';

const DAY_MS = 86_400_000;

export type EnrollmentSkipReason = 'already_active' | 'cooldown' | 'disabled' | 'response_too_old';

/**
 * Why a response whose trigger held enrolls nobody, or null when it enrolls its user: the journey
 * is disabled; the response is older than maxResponseAgeDays (a backfill enrolls nobody); the user
 * is in the journey already; or their previous enrollment started less than cooldownDays ago.
 */
export function enrollmentSkipReason(
  journey: { enabled: boolean; definition: Pick<JourneyDefinition, 'maxResponseAgeDays' | 'cooldownDays'> },
  respondedAt: Date,
  previous: { status: string; enrolledAt: Date } | undefined,
  now: Date,
): EnrollmentSkipReason | null {
  const { definition } = journey;
  if (!journey.enabled) return 'disabled';
  if (respondedAt.getTime() < now.getTime() - definition.maxResponseAgeDays * DAY_MS) return 'response_too_old';
  if (previous?.status === 'active') return 'already_active';
  if (previous && previous.enrolledAt > cooldownSince(definition, now)) return 'cooldown';
  return null;
}

/** An enrollment started after this holds a new one back. */
export function cooldownSince(definition: Pick<JourneyDefinition, 'cooldownDays'>, now: Date): Date {
  return new Date(now.getTime() - definition.cooldownDays * DAY_MS);
}
