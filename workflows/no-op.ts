/**
 * Does nothing and returns: the unit of `npm run bench:journeys`' baseline, a chain of two (one
 * starts the other, as a response's workflow starts a journey's), since its cost is Temporal's own
 * (start, one workflow task, completion) on the same server and worker.
 */
export async function noOpWorkflow(): Promise<void> {}
