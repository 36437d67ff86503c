/*
 * The values a journey's email templates are filled with, from what the enrollment knows: the
 * journey workflows send with them, and a journey's dry run shows what they would send.
 */

/** What the values are read from: the enrollment's context (activities/enroll-user.ts). */
export interface EmailValuesContext {
  user: { email: string; name: string | null; firstName: string | null };
  account: { name: string };
  csm: { name: string } | null;
  response: { score: number; comment: string | null };
}

/** A review request's (and its reminder's) values; `reviewUrl` is the link the email carries. */
export function reviewRequestValues(context: EmailValuesContext, reviewUrl: string) {
  return { firstName: context.user.firstName ?? context.user.name ?? 'there', accountName: context.account.name, reviewUrl };
}

/** A follow-up task email's values, for its assignee at an escalation level; `dueAt` as ISO, made readable when sent. */
export function followUpValues(context: EmailValuesContext, assignee: { name: string }, level: number, dueAt: Date) {
  return {
    assigneeName: assignee.name,
    csmName: context.csm?.name ?? '',
    userName: context.user.name ?? context.user.email,
    userEmail: context.user.email,
    accountName: context.account.name,
    score: context.response.score,
    comment: context.response.comment ?? '(none)',
    dueAt: dueAt.toISOString(),
    escalationLevel: level,
  };
}
