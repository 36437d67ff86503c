import type { ExpectedJourney } from './journey-checks.ts';
import type { FaultInstance } from './seed-instance.ts';
import type { Delivery } from './webhook-sender.ts';

/**
 * Where the built-in journeys stand once a fresh response has been handled, before anyone acts:
 * a detractor has one open task for the account's CSM and the CSM one email; a promoter has one
 * review request. Both journeys are still running (waiting for the task, or for the reminder).
 * Passives start no journey. One expectation per user: their first response enrolls them.
 */
export function expectedFirstSteps(instance: FaultInstance, deliveries: Delivery[]): ExpectedJourney[] {
  const seen = new Set<string>();
  const expected: ExpectedJourney[] = [];
  for (const { email, score } of deliveries) {
    if (seen.has(email)) continue;
    seen.add(email);
    if (score <= 6) {
      const csm = instance.csmOf(email);
      expected.push({
        userEmail: email,
        journey: 'detractor-follow-up',
        enrollment: 'active',
        workflow: 'RUNNING',
        tasks: [{ level: 0, assignee: csm, status: 'open' }],
        emails: [{ step: 'task-0-email', to: csm }],
      });
    } else if (score >= 9) {
      expected.push({ userEmail: email, journey: 'promoter-review-request', enrollment: 'active', workflow: 'RUNNING', tasks: [], emails: [{ step: 'review-request', to: email }] });
    }
  }
  return expected;
}
