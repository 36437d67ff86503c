import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoDataset } from '../../demo/demo-dataset.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { type BrowserStack, type SignedIn, signInLinkIn, startBrowserStack } from './browser-stack.ts';
import type { VisitOptions } from './page-checks.ts';

// A CSM's day in the web app, in Chromium against the whole stack as `npm start` runs it (the demo
// loaded): the task email's link, the task page, completing it; and what another CSM cannot see.
let stack: BrowserStack;
beforeAll(async () => {
  stack = await startBrowserStack();
}, 240_000);
afterEach(() => stack?.assertNoProblemsAnywhere());
afterAll(() => stack?.stop(), 90_000);

interface ApiTask {
  id: number;
  status: string;
  outcome: string | null;
  enrollmentId: number;
  assignee: { email: string; name: string };
  user: { id: number; email: string; name: string | null };
  account: { id: number; name: string };
  response: { comment: string | null };
}

/**
 * An open task of Ann's: the demo's fresh detractor answers give her some, through their journeys,
 * which may still be running just after npm start says it is.
 */
function openTaskOfAnn(): Promise<ApiTask> {
  return waitFor(async () => {
    const { body } = await stack.api<{ tasks: ApiTask[] }>('GET', '/tasks?status=open&assignee=ann%40cs.example&limit=500');
    return body.tasks.find((candidate) => candidate.response.comment);
  }, "an open task of Ann's with a comment, from the demo's fresh detractors", 90, { intervalMs: 250 });
}

describe('a CSM in the web app', () => {
  it('opens the task from its email signed in, completes it with an outcome, and the journey ends completed in Temporal', async () => {
    // A demo user none of the demo's fresh answers put in a journey yet.
    const user = demoDataset(new Date()).users[20]!;
    const comment = 'The export has failed every night this week.';
    const delivery = await stack.sendGenericWebhook({ id: 'browser-detractor-1', email: user.email, score: 2, respondedAt: new Date().toISOString(), comment }, 'browser-event-1');
    expect(delivery.status).toBe(202);

    const task = await waitFor(async () => {
      const open = await stack.api<{ tasks: ApiTask[] }>('GET', '/tasks?status=open&limit=500');
      return open.body.tasks.find((candidate) => candidate.user.email === user.email);
    }, 'the detractor follow-up task', 90, { intervalMs: 250 });
    const email = await stack.waitForEmail(`the task email to ${task.assignee.email}`, (candidate) => candidate.to === task.assignee.email && candidate.text.includes(comment));
    const link = signInLinkIn(email.text);
    expect(link, `the task email has a link that signs in:\n${email.text}`).toBeDefined();

    // The link, in a browser that was never signed in, opens the task page signed in as its CSM.
    const { page, checks } = await stack.newBrowser();
    await checks.visit(link!, 'task', { ready: () => page.getByRole('heading', { level: 1, name: /Follow up/ }) });
    expect(new URL(page.url()).pathname).toBe(`/app/tasks/${task.id}`);
    await page.getByRole('banner').getByText(task.assignee.name).waitFor();
    await page.getByRole('region', { name: /^What .* said$/ }).getByText(comment).waitFor();
    await page.getByRole('main').getByRole('link', { name: task.account.name }).first().waitFor();

    await page.getByLabel('Outcome').selectOption('Called the customer');
    await page.getByLabel('Note (optional)').fill('Their admin walked me through it; a fix ships Friday.');
    await page.getByRole('button', { name: 'Complete task' }).click();
    await page.getByRole('status').filter({ hasText: `Task ${task.id} is completed` }).waitFor();
    await checks.check('task-completed', { ready: () => page.getByText(/^Completed /) });

    const enrollment = await waitFor(async () => {
      const { body } = await stack.api<{ status: string }>('GET', `/enrollments/${task.enrollmentId}`);
      return body.status === 'active' ? undefined : body;
    }, 'the journey to end', 60, { intervalMs: 250 });
    expect(enrollment.status).toBe('completed');
    const closed = (await stack.api<ApiTask>('GET', `/tasks/${task.id}`)).body;
    expect(closed).toMatchObject({ status: 'done', outcome: 'Called the customer: Their admin walked me through it; a fix ships Friday.' });

    // It has left "My tasks".
    await checks.visit('/app/tasks', 'my-tasks-after-completing', { ready: () => page.getByText(/^(\d+ tasks?\b|No open tasks)/), screenshots: false });
    expect(await page.getByRole('main').innerText()).not.toContain(user.email);
    expect(await page.getByText(`Complete or reassign task ${task.id}`, { exact: true }).count()).toBe(0);
  }, 240_000);

  it("cannot open another CSM's task, account or user page, by URL either: not found or not yours, and none of it in the page", async () => {
    const annsTask = await openTaskOfAnn();
    const secrets = [annsTask.user.email, annsTask.account.name, annsTask.response.comment!];
    const bob = await stack.signIn('bob@cs.example', '/app/tasks');
    const { page, checks } = bob;
    const expectNothingOfAnns = async (where: string) => {
      const html = await page.content();
      for (const secret of secrets) expect(html.includes(secret), `${where} shows "${secret}"`).toBe(false);
    };

    // Bob's own pages do not lead there.
    await checks.visit('/app/tasks', 'tasks-of-another-csm', { ready: () => page.getByText(/^(\d+ tasks?\b|No open tasks)/), screenshots: false });
    await expectNothingOfAnns("Bob's tasks");
    await checks.visit('/app/accounts', 'accounts-of-another-csm', { ready: () => page.getByRole('table', { name: /^Accounts/ }), screenshots: false });
    await expectNothingOfAnns("Bob's accounts");

    // Typed in the address bar, they are refused by the API (404, or 403) and said so.
    const refused = [
      { path: `/app/tasks/${annsTask.id}`, api: new RegExp(`/tasks/${annsTask.id}([/?]|$)`), name: 'task-not-yours' },
      { path: `/app/accounts/${annsTask.account.id}`, api: new RegExp(`/accounts/${annsTask.account.id}([/?]|$)`), name: 'account-not-yours' },
      { path: `/app/users/${annsTask.user.id}`, api: new RegExp(`/users/${annsTask.user.id}([/?]|$)`), name: 'user-not-yours' },
    ];
    for (const { path, api, name } of refused) {
      checks.expectFailure({ status: 404, url: api });
      checks.expectFailure({ status: 403, url: api });
      await checks.visit(path, name, { ready: () => page.getByRole('alert').filter({ hasText: 'Not found, or not yours to see' }) });
      await expectNothingOfAnns(path);
      checks.clearExpectedFailures();
    }
    // And Ann, whose they are, opens them.
    const ann = await stack.signIn('ann@cs.example', `/app/tasks/${annsTask.id}`);
    await ann.page.getByRole('heading', { level: 1, name: /Follow up/ }).waitFor();
    await ann.page.getByRole('region', { name: /^What .* said$/ }).getByText(annsTask.response.comment!).waitFor();
  }, 180_000);

  it('every CSM page, at 1280 and 390 px, loads under 300 KB of JavaScript with no console error, failed request or serious axe violation', async () => {
    const task = await openTaskOfAnn();
    const ann = await stack.signIn('ann@cs.example', '/app/tasks');
    const weights: string[] = [];
    const firstVisit = async (path: string, name: string, options: VisitOptions): Promise<SignedIn> => {
      const visit = await stack.firstVisit(ann, path, name, options);
      weights.push(`${name}: ${(visit.javaScriptGzipBytes / 1000).toFixed(1)} KB`);
      return visit;
    };

    // Signed out, the sign-in page: the app asks who is signed in and is told nobody (401).
    const signedOut = await stack.newBrowser();
    signedOut.checks.expectFailure({ status: 401, url: /\/auth\/session$/ });
    await signedOut.checks.visit('/app/sign-in', 'sign-in', { ready: () => signedOut.page.getByLabel('Work email') });

    await firstVisit('/app/tasks', 'tasks', { ready: (page) => page.getByText(/^\d+ tasks?\b/) });
    await firstVisit(`/app/tasks/${task.id}`, 'task', { ready: (page) => page.getByRole('heading', { level: 1, name: /Follow up/ }) });
    await firstVisit('/app/accounts', 'accounts', { ready: (page) => page.getByRole('table', { name: /^Accounts/ }) });
    const account = await firstVisit(`/app/accounts/${task.account.id}`, 'account', { ready: (page) => page.getByRole('tabpanel') });
    // Tab by tab from the keyboard, as the tabs pattern has it: arrow keys move and show.
    await account.page.getByRole('tab', { name: 'NPS' }).focus();
    for (const tab of ['Trend', 'Responses', 'Health', 'Users', 'Tasks']) {
      await account.page.keyboard.press('ArrowRight');
      await account.checks.check(`account-${tab.toLowerCase()}`, { ready: () => account.page.getByRole('tabpanel', { name: tab }) });
    }
    // A CSM's reports and lists hold their own accounts' figures and users.
    await firstVisit('/app/reports', 'reports-as-csm', { ready: (page) => page.getByRole('table', { name: /^NPS by CSM by month/ }) });
    await firstVisit('/app/lists', 'lists-as-csm', { ready: (page) => page.getByRole('table', { name: 'Lists and their members' }) });
    await firstVisit(`/app/users/${task.user.id}`, 'user', { ready: (page) => page.getByRole('heading', { level: 1, name: task.user.name ?? task.user.email }) });
    console.log(`JavaScript on first load (gzip): ${weights.join(', ')}`);
  }, 240_000);
});
