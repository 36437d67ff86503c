export { detractorFollowUpWorkflow } from './detractor-follow-up.ts';
export { promoterReviewRequestWorkflow } from './promoter-review-request.ts';
export { responseReceivedWorkflow } from './response-received.ts';
export { noOpWorkflow } from './no-op.ts';
export { refreshDerivedStateWorkflow } from './refresh-derived-state.ts';
export { monthlyDigestWorkflow } from './monthly-digest.ts';
export { npsDropAlertWorkflow } from './nps-drop-alert.ts';
