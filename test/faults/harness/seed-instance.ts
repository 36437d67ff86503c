import type { ApiCall } from './api-client.ts';

/** An instance as a scenario needs it: who answers, and who their follow-up would escalate to. */
export interface FaultInstance {
  users: { email: string; accountExternalId: string }[];
  /** By CSM email: the CSM, their manager, that manager's manager, and the top of the chain. */
  chainOf(csmEmail: string): string[];
  /** The CSM owning each user's account. */
  csmOf(userEmail: string): string;
}

const ACCOUNTS = 20;
const REVIEW_URL = 'https://www.g2.com/products/npsloop/reviews';

interface CsmRecord {
  externalId: string;
  email: string;
  name: string;
  managerExternalId?: string;
}

/**
 * Sets an instance up through the real HTTP paths an admin uses: CSMs under a three-level
 * manager chain (CSM, lead, director, VP), accounts owned by the CSMs, users, and the built-in
 * journeys enabled with a review URL. `detractorFollowUp` changes that journey's steps (a short
 * SLA, say).
 */
export async function seedInstance(
  api: ApiCall,
  options: { users: number; detractorFollowUp?: { slaHours?: number; escalationDepth?: number } },
): Promise<FaultInstance> {
  const csms: CsmRecord[] = [{ externalId: 'vp', email: 'vp@cs.example', name: 'Val VP' }];
  for (let d = 1; d <= 2; d++) csms.push({ externalId: `director-${d}`, email: `director-${d}@cs.example`, name: `Director ${d}`, managerExternalId: 'vp' });
  for (let l = 1; l <= 4; l++) csms.push({ externalId: `lead-${l}`, email: `lead-${l}@cs.example`, name: `Lead ${l}`, managerExternalId: `director-${1 + (l % 2)}` });
  for (let c = 1; c <= 8; c++) csms.push({ externalId: `csm-${c}`, email: `csm-${c}@cs.example`, name: `CSM ${c}`, managerExternalId: `lead-${1 + (c % 4)}` });
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({ externalId: `acct-${i + 1}`, name: `Account ${i + 1}`, csmExternalId: `csm-${1 + (i % 8)}`, segment: 'mid-market' }));
  const users = Array.from({ length: options.users }, (_, i) => {
    const account = accounts[i % ACCOUNTS]!;
    return { externalId: `user-${i + 1}`, accountExternalId: account.externalId, email: `user${i + 1}@${account.externalId}.example`, name: `User ${i + 1}`, role: 'admin' };
  });

  for (const [kind, records] of [['csms', csms], ['accounts', accounts], ['users', users]] as const) {
    const result = await api<{ upserted: number; rejected: unknown[] }>('POST', `/sync/${kind}`, { records });
    if (result.upserted !== records.length) throw new Error(`sync ${kind}: ${result.upserted} of ${records.length} upserted: ${JSON.stringify(result.rejected)}`);
  }

  const review = await api<{ journey: { version: number; definition: { steps: Record<string, unknown> } } }>('GET', '/journeys/promoter-review-request');
  await api('PUT', '/journeys/promoter-review-request', {
    ...review.journey.definition,
    steps: { ...review.journey.definition.steps, reviewUrl: REVIEW_URL },
    expectedVersion: review.journey.version,
  });
  await api('POST', '/journeys/promoter-review-request/enable');
  if (options.detractorFollowUp) {
    const followUp = await api<{ journey: { version: number; definition: { steps: Record<string, unknown> } } }>('GET', '/journeys/detractor-follow-up');
    await api('PUT', '/journeys/detractor-follow-up', {
      ...followUp.journey.definition,
      steps: { ...followUp.journey.definition.steps, ...options.detractorFollowUp },
      expectedVersion: followUp.journey.version,
    });
  }
  await api('POST', '/journeys/detractor-follow-up/enable');

  const byExternalId = new Map(csms.map((csm) => [csm.externalId, csm]));
  const byEmail = new Map(csms.map((csm) => [csm.email, csm]));
  const csmOfAccount = new Map(accounts.map((account) => [account.externalId, byExternalId.get(account.csmExternalId)!.email]));
  const accountOfUser = new Map(users.map((user) => [user.email, user.accountExternalId]));
  return {
    users: users.map((user) => ({ email: user.email, accountExternalId: user.accountExternalId })),
    chainOf(csmEmail) {
      const chain: string[] = [];
      for (let csm = byEmail.get(csmEmail); csm; csm = csm.managerExternalId ? byExternalId.get(csm.managerExternalId) : undefined) chain.push(csm.email);
      return chain;
    },
    csmOf: (userEmail) => csmOfAccount.get(accountOfUser.get(userEmail)!)!,
  };
}
