import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDataset } from '../../demo/demo-dataset.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { type BrowserStack, signInLinkIn, startBrowserStack } from './browser-stack.ts';

// A CSM's day in the web app, in Chromium against the whole stack as `npm start` runs it (the demo
// loaded): the task email's link, the task page, completing it; and what another CSM cannot see.
let stack: BrowserStack;
beforeAll(async () => {
  stack = await startBrowserStack();
}, 240_000);
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
});
