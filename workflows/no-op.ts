/**
 * Does nothing and returns: the baseline `npm run bench:journeys` compares journeys with, since
 * its cost is Temporal's own (start, one workflow task, completion) on the same server and worker.
 */
export async function noOpWorkflow(): Promise<void> {}
