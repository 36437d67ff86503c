import { DateTime } from 'luxon';
import type { AccountRecordInput, CsmRecordInput, TicketRecordInput, UserRecordInput } from '../ingest/sync/schemas.ts';
import type { GoalDefinition } from '../reports/goal-definition.ts';

/**
 * A realistic, deterministic demo instance: a CS team with managers, accounts in segments,
 * users with roles, six months of responses (as a CSV, so it loads through the real import
 * path) and a few tickets. The same seed always gives the same data. For the reports: the East
 * team's accounts improve over the months and the West team's do not, one account changes hands
 * half-way (a handover synced late, with its effective date), and one small account has too few
 * answers to read.
 */
export interface DemoDataset {
  csms: CsmRecordInput[];
  accounts: AccountRecordInput[];
  users: UserRecordInput[];
  tickets: TicketRecordInput[];
  responsesCsv: string;
  /** Synced after the history: accounts handed to another CSM from a date in the past. */
  handovers: AccountRecordInput[];
  goals: GoalDefinition[];
}

const COMPANIES = [
  'Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark Industries', 'Wayne Enterprises', 'Wonka',
  'Cyberdyne', 'Soylent', 'Tyrell', 'Massive Dynamic', 'Vandelay', 'Dunder Mifflin', 'Pied Piper', 'Aperture',
];
const SEGMENTS = ['enterprise', 'mid-market', 'smb'] as const;
const ROLES = ['admin', 'manager', 'user', 'user', 'viewer'] as const;
const PERSONAS = ['executive sponsor', 'champion', 'end user', 'end user'] as const;
const FIRST_NAMES = ['Ana', 'Ben', 'Chen', 'Dana', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivan', 'Jo', 'Kai', 'Lea'];
const COMMENTS: Record<'promoter' | 'passive' | 'detractor', string[]> = {
  promoter: ['Our CSM is fantastic.', 'Saves my team hours every week.', 'Great product, great support.', ''],
  passive: ['Good, but reporting is slow.', 'Does the job.', 'The API docs are thin.', ''],
  detractor: ['Support took four days to answer.', 'Exports keep timing out.', 'Too expensive for what we use.', ''],
};

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export function demoDataset(now: Date, { seed = 7, months = 6 } = {}): DemoDataset {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;

  const csms: CsmRecordInput[] = [
    { externalId: 'vp-cs', email: 'morgan.vp@cs.example', name: 'Morgan (VP Customer Success)', managerExternalId: null },
    { externalId: 'lead-east', email: 'riley.lead@cs.example', name: 'Riley (CS lead, East)', managerExternalId: 'vp-cs' },
    { externalId: 'lead-west', email: 'sam.lead@cs.example', name: 'Sam (CS lead, West)', managerExternalId: 'vp-cs' },
    { externalId: 'csm-ann', email: 'ann@cs.example', name: 'Ann', managerExternalId: 'lead-east' },
    { externalId: 'csm-bob', email: 'bob@cs.example', name: 'Bob', managerExternalId: 'lead-east' },
    { externalId: 'csm-cat', email: 'cat@cs.example', name: 'Cat', managerExternalId: 'lead-west' },
    { externalId: 'csm-dev', email: 'dev@cs.example', name: 'Dev', managerExternalId: 'lead-west' },
  ];
  const owners = csms.slice(3);

  const accounts: AccountRecordInput[] = COMPANIES.map((name, i) => ({
    externalId: `acct-${i + 1}`,
    name,
    segment: SEGMENTS[i % SEGMENTS.length]!,
    csmExternalId: owners[i % owners.length]!.externalId,
    attributes: { arr: Math.round(20_000 + next() * 480_000), plan: i % 3 === 0 ? 'Enterprise' : 'Growth' },
  }));

  // The last account is small: one user, who answers once.
  const small = accounts.at(-1)!.externalId;
  const users: UserRecordInput[] = [];
  accounts.forEach((account, a) => {
    const size = account.externalId === small ? 1 : 4 + Math.floor(next() * 6);
    const domain = `${account.name.toLowerCase().replace(/[^a-z]+/g, '')}.example`;
    for (let u = 0; u < size; u++) {
      const first = FIRST_NAMES[(a + u) % FIRST_NAMES.length]!;
      users.push({
        externalId: `user-${a + 1}-${u + 1}`,
        accountExternalId: account.externalId,
        email: `${first.toLowerCase()}.${u + 1}@${domain}`,
        name: `${first} ${account.name}`,
        role: u === 0 ? 'admin' : pick(ROLES),
        persona: u === 0 ? 'champion' : pick(PERSONAS),
      });
    }
  });

  // Each account leans one way, so the grid shows a spread of scores; the East team's accounts
  // start low and climb, so its NPS improves significantly over the months.
  const lean = new Map(accounts.map((account) => [account.externalId, next()]));
  const eastOwners = new Set(csms.filter((csm) => csm.managerExternalId === 'lead-east').map((csm) => csm.externalId));
  const improving = new Set(accounts.filter((account) => eastOwners.has(account.csmExternalId!)).map((account) => account.externalId));
  const start = DateTime.fromJSDate(now).minus({ months });
  const span = now.getTime() - start.toMillis();
  const lines = ['responseId,email,score,respondedAt,comment'];
  let id = 0;
  for (const user of users) {
    const answers = user.accountExternalId === small ? 1 : 2 + Math.floor(next() * 3);
    for (let i = 0; i < answers; i++) {
      // Keep history clear of the last week: fresh answers are sent separately, by webhook, and the
      // import would start journeys for answers of the last 7 days (JOURNEY_WINDOW_DAYS). The small account's
      // one answer is recent, so its figure is there to see, flagged.
      const respondedAt =
        user.accountExternalId === small ? new Date(now.getTime() - 20 * 86_400_000) : new Date(start.toMillis() + next() * (span - 8 * 86_400_000));
      const progress = (respondedAt.getTime() - start.toMillis()) / span;
      const base = lean.get(user.accountExternalId)!;
      const tilt = improving.has(user.accountExternalId) ? 0.1 + base * 0.2 + progress * 0.8 : base;
      const score = Math.max(0, Math.min(10, Math.round(4 + tilt * 7 + (next() - 0.5) * 5)));
      const category = score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
      const comment = pick(COMMENTS[category]);
      lines.push(`demo-${++id},${user.email},${score},${respondedAt.toISOString()},"${comment}"`);
    }
  }

  const tickets: TicketRecordInput[] = accounts.slice(0, 6).map((account, i) => {
    const opened = new Date(now.getTime() - (3 + i * 4) * 86_400_000);
    const resolved = i % 2 === 0 ? null : new Date(opened.getTime() + 2 * 86_400_000);
    return {
      externalId: `ticket-${i + 1}`,
      accountExternalId: account.externalId,
      priority: (['critical', 'high', 'normal', 'low'] as const)[i % 4]!,
      status: resolved ? 'solved' : 'open',
      subject: ['Exports time out', 'SSO login loop', 'Invoice question', 'Feature request: API limits'][i % 4]!,
      openedAt: opened.toISOString(),
      resolvedAt: resolved?.toISOString() ?? null,
    };
  });

  // Globex moved from Bob to Cat half-way through; the sync recording it comes in late, dated.
  const globex = accounts.find((account) => account.name === 'Globex')!;
  const handovers = [{ ...globex, csmExternalId: 'csm-cat', csmEffectiveFrom: start.plus({ months: months / 2 }).startOf('day').toISO()! }];

  const goals: GoalDefinition[] = [
    { name: 'Company NPS at least 30 each quarter', scope: { kind: 'company' }, period: 'quarter', target: { kind: 'at_least', nps: 30 } },
    { name: 'East team +5 month on month', scope: { kind: 'team', csm: 'lead-east' }, period: 'month', target: { kind: 'improve_by', points: 5 } },
    { name: 'Enterprise accounts at least 20 each month', scope: { kind: 'segment', segment: 'enterprise' }, period: 'month', target: { kind: 'at_least', nps: 20 } },
  ];

  return { csms, accounts, users, tickets, responsesCsv: `${lines.join('\n')}\n`, handovers, goals };
}
