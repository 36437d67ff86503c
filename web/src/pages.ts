import type { ComponentType } from 'preact';
import { lazy } from 'preact-iso';

/**
 * The signed-in pages: each loaded when first visited, so a page's first load carries only its
 * own code. `nav` puts a page in the header for the roles named.
 */
export interface PageEntry {
  path: string;
  component: ComponentType<Record<string, unknown>>;
  nav?: { label: string; roles: ReadonlyArray<'admin' | 'csm'> };
}

export const pages: PageEntry[] = [
  { path: '/app/', component: lazy(() => import('./pages/home.tsx').then((m) => m.HomePage)) },
  { path: '/app/tasks', component: lazy(() => import('./pages/my-tasks.tsx').then((m) => m.MyTasksPage)), nav: { label: 'My tasks', roles: ['csm', 'admin'] } },
  { path: '/app/tasks/:id', component: lazy(() => import('./pages/task.tsx').then((m) => m.TaskPage)) },
  { path: '/app/accounts', component: lazy(() => import('./pages/accounts.tsx').then((m) => m.AccountsPage)), nav: { label: 'Accounts', roles: ['csm', 'admin'] } },
  { path: '/app/accounts/:id', component: lazy(() => import('./pages/account.tsx').then((m) => m.AccountPage)) },
  { path: '/app/users/:id', component: lazy(() => import('./pages/user.tsx').then((m) => m.UserPage)) },
  { path: '/app/reports', component: lazy(() => import('./pages/reports.tsx').then((m) => m.ReportsPage)), nav: { label: 'Reports', roles: ['admin', 'csm'] } },
  { path: '/app/rules', component: lazy(() => import('./pages/rules.tsx').then((m) => m.RulesPage)), nav: { label: 'Rules', roles: ['admin'] } },
  { path: '/app/rules/new/:kind', component: lazy(() => import('./pages/rule.tsx').then((m) => m.NewRulePage)) },
  { path: '/app/rules/:name', component: lazy(() => import('./pages/rule.tsx').then((m) => m.RulePage)) },
  { path: '/app/lists', component: lazy(() => import('./pages/lists.tsx').then((m) => m.ListsPage)), nav: { label: 'Lists', roles: ['admin', 'csm'] } },
  { path: '/app/journeys', component: lazy(() => import('./pages/journeys.tsx').then((m) => m.JourneysPage)), nav: { label: 'Journeys', roles: ['admin'] } },
  { path: '/app/journeys/:name', component: lazy(() => import('./pages/journey.tsx').then((m) => m.JourneyPage)) },
];
