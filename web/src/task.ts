// A follow-up task as GET /tasks and GET /tasks/:id answer it (api/routes/tasks.ts's taskSchema).

export interface Task {
  id: number;
  status: 'open' | 'done' | 'cancelled';
  overdue: boolean;
  escalationLevel: number;
  dueAt: string;
  createdAt: string;
  completedAt: string | null;
  completedBy: string | null;
  outcome: string | null;
  assignee: { id: number; email: string; name: string };
  user: { id: number; email: string; name: string | null };
  account: { id: number; name: string };
  response: { id: number; score: number; comment: string | null };
  enrollmentId: number;
  journeyName: string;
  workflowId: string;
}

export interface TaskList {
  tasks: Task[];
  total: number;
  limit: number;
  offset: number;
}

export interface CompletedTask {
  task: Task;
  journey: 'signalled' | 'not_running';
}

export interface ReassignedTask {
  task: Task;
  changed: boolean;
}
