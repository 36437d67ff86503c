import { z } from 'zod';
import type { MembershipExplanation } from '../../lists/explain-list-membership.ts';
import type { ListMemberRow, ListSummary } from '../../db/queries/list-members.ts';
import type { UserOnAccount } from '../../db/queries/users.ts';
import type { Rule } from '../../db/tables/rules.ts';
import type { RuleEvaluation } from '../../rules/evaluate-rule.ts';
import { conditionExplanationSchema } from './rules.ts';
import { userSchema, userView } from './users.ts';

/** The request and response shapes of the list routes, and the views that fill them. */

export const MAX_MEMBERS_PAGE = 500;

export const listNameParamsSchema = z.object({ name: z.string().min(1).max(100).describe("the list rule's name") });
export const listMemberParamsSchema = listNameParamsSchema.extend({ userId: z.coerce.number().int().positive() });

export const listMembersQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_MEMBERS_PAGE).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  explain: z.stringbool().default(true).describe("with each member's explanation: the rule's conditions and the values they saw now"),
});

const listSchema = z
  .object({
    name: z.string(),
    description: z.string().nullable(),
    enabled: z.boolean(),
    version: z.number().int(),
    updatedAt: z.string(),
  })
  .meta({ id: 'List' });

export const listsSchema = z
  .object({
    lists: z.array(listSchema.extend({ members: z.number().int().describe('as of the last refresh; for a csm token, those on its accounts') })),
  })
  .meta({ id: 'Lists' });

export function listsView(lists: ListSummary[]): z.infer<typeof listsSchema> {
  return {
    lists: lists.map((list) => ({
      name: list.name,
      description: list.description,
      enabled: list.enabled,
      version: list.version,
      updatedAt: list.updatedAt.toISOString(),
      members: list.members,
    })),
  };
}

function listView(rule: Rule): z.infer<typeof listSchema> {
  return {
    name: rule.name,
    description: (rule.definition as { description?: string }).description ?? null,
    enabled: rule.enabled,
    version: rule.version,
    updatedAt: rule.updated_at.toISOString(),
  };
}

export const listMembersSchema = z
  .object({
    list: listSchema,
    members: z.array(
      z.object({
        user: userSchema,
        since: z.string().describe('when the user last entered the list'),
        matches: z.boolean().optional().describe('whether the rule holds for the user now; false means the next refresh takes them out'),
        explanation: conditionExplanationSchema.optional(),
      }),
    ),
    page: z.object({
      offset: z.number().int(),
      limit: z.number().int(),
      total: z.number().int().describe('members in all; for a csm token, those on its accounts'),
      nextOffset: z.number().int().nullable().describe('pass as `offset` for the next page; null on the last'),
    }),
  })
  .meta({ id: 'ListMembers' });

export function listMembersView(
  rule: Rule,
  members: ListMemberRow[],
  explanations: Map<number, RuleEvaluation> | undefined,
  page: { offset: number; limit: number; total: number },
): z.infer<typeof listMembersSchema> {
  const next = page.offset + members.length;
  return {
    list: listView(rule),
    members: members.map((member) => {
      const evaluation = explanations?.get(member.userId);
      return {
        user: {
          id: member.userId,
          externalId: member.externalId,
          email: member.email,
          name: member.name,
          role: member.role,
          account: { id: member.accountId, name: member.accountName },
        },
        since: member.since.toISOString(),
        ...(evaluation ? { matches: evaluation.matched, explanation: evaluation.explanation } : {}),
      };
    }),
    page: { ...page, nextOffset: members.length > 0 && next < page.total ? next : null },
  };
}

export const membershipExplanationSchema = z
  .object({
    list: listSchema,
    user: userSchema,
    matches: z.boolean().describe('whether the rule holds for the user now'),
    member: z.boolean().describe('whether the stored list, as of its last refresh, has the user'),
    explanation: conditionExplanationSchema,
  })
  .meta({ id: 'MembershipExplanation' });

export function membershipExplanationView(rule: Rule, user: UserOnAccount, explained: MembershipExplanation): z.infer<typeof membershipExplanationSchema> {
  return { list: listView(rule), user: userView(user), matches: explained.matches, member: explained.member, explanation: explained.explanation };
}

export const userListsSchema = z
  .object({
    user: userSchema,
    lists: z
      .array(
        z.object({
          list: listSchema,
          since: z.string().describe('when the user last entered the list'),
          matches: z.boolean().describe('whether the rule holds for the user now; false means the next refresh takes them out'),
          explanation: conditionExplanationSchema.describe('why: each condition with the value it saw now'),
        }),
      )
      .describe('the lists the user is in as of their last refresh, by name'),
  })
  .meta({ id: 'UserLists' });

export function userListsView(user: UserOnAccount, lists: { rule: Rule; since: Date; evaluation: RuleEvaluation }[]): z.infer<typeof userListsSchema> {
  return {
    user: userView(user),
    lists: lists.map(({ rule, since, evaluation }) => ({ list: listView(rule), since: since.toISOString(), matches: evaluation.matched, explanation: evaluation.explanation })),
  };
}
