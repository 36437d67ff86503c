import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// One list for the workflows that set these and the dev server that must register them.
export const NpsCategory = defineSearchAttributeKey('NpsCategory', SearchAttributeType.KEYWORD);
export const NpsScore = defineSearchAttributeKey('NpsScore', SearchAttributeType.INT);
export const AccountId = defineSearchAttributeKey('AccountId', SearchAttributeType.KEYWORD);
export const CsmEmail = defineSearchAttributeKey('CsmEmail', SearchAttributeType.KEYWORD);
export const JourneyName = defineSearchAttributeKey('JourneyName', SearchAttributeType.KEYWORD);
export const EscalationLevel = defineSearchAttributeKey('EscalationLevel', SearchAttributeType.INT);

export const npsloopSearchAttributes = [NpsCategory, NpsScore, AccountId, CsmEmail, JourneyName, EscalationLevel];
