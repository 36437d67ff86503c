/**
 * The failure type of a refused act on a follow-up task (completion or reassignment): the task is
 * not the journey's open one, or the journey is escalating or closing it. The caller reads the
 * task again to say what happened to it.
 */
export const TASK_NOT_ACTIONABLE = 'TaskNotActionable';
