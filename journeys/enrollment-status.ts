/** Where one user's run of a journey stands: active until it completes, is cancelled or fails. */
export const ENROLLMENT_STATUSES = ['active', 'completed', 'cancelled', 'failed'] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];
export type EndedEnrollmentStatus = Exclude<EnrollmentStatus, 'active'>;
