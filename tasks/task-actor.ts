/** Who completes or reassigns a task, through the API or the CLI. */
export interface TaskActor {
  /** Recorded on the task and in the journey: a CSM's email, an admin token's name, the CLI's user. */
  name: string;
  /** Set for a CSM acting for themselves: they may act only on tasks assigned to them, and others are not found. */
  csmId?: number;
}
