import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// One list for the workflows that set these and the dev server that must register them.
export const NpsCategory = defineSearchAttributeKey('NpsCategory', SearchAttributeType.KEYWORD);
export const NpsScore = defineSearchAttributeKey('NpsScore', SearchAttributeType.INT);
/** npsloop's internal account id; kept because runs and namespaces already have it. */
export const AccountId = defineSearchAttributeKey('AccountId', SearchAttributeType.KEYWORD);
// Keywords, not Text: ops match an account exactly (=, IN, STARTS_WITH) as the CRM spells it;
// Text is tokenized for full-text search, so it can neither be matched exactly nor sorted.
export const AccountExternalId = defineSearchAttributeKey('AccountExternalId', SearchAttributeType.KEYWORD);
export const AccountName = defineSearchAttributeKey('AccountName', SearchAttributeType.KEYWORD);
export const CsmEmail = defineSearchAttributeKey('CsmEmail', SearchAttributeType.KEYWORD);
export const JourneyName = defineSearchAttributeKey('JourneyName', SearchAttributeType.KEYWORD);
export const EscalationLevel = defineSearchAttributeKey('EscalationLevel', SearchAttributeType.INT);

export const npsloopSearchAttributes = [NpsCategory, NpsScore, AccountId, AccountExternalId, AccountName, CsmEmail, JourneyName, EscalationLevel];
