import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserStack, type SignedIn, startBrowserStack } from './browser-stack.ts';
import type { VisitOptions } from './page-checks.ts';

// An admin and a leader in the web app, in Chromium against the whole stack as `npm start` runs it
// (the demo loaded): the reports against the API's figures, and a list rule edited, checked as it
// is typed, dry-run and saved.
let stack: BrowserStack;
let admin: SignedIn;
beforeAll(async () => {
  stack = await startBrowserStack();
  // The admin signs in as npm start tells them to: with the link it prints.
  admin = await stack.signInWithLink(await stack.printedAdminSignInLink());
}, 240_000);
afterEach(() => stack?.assertNoProblemsAnywhere());
afterAll(() => stack?.stop(), 90_000);

interface ReportCell {
  n: number;
  nps: number | null;
  flag: string | null;
}
interface ReportRow {
  key: string | null;
  label: string;
  cells: ReportCell[];
  total: ReportCell;
}
interface NpsReport {
  periods: { key: string }[];
  rows: ReportRow[];
  total: ReportRow;
}
interface ShownCell {
  row: string;
  period: string;
  rowLabel: string;
  text: string;
}

/** Every figure cell of the report table as the page shows it, with the row and period it is in. */
function shownCells(signedIn: SignedIn): Promise<ShownCell[]> {
  return signedIn.page.locator('table.report-table td[data-row][data-period]').evaluateAll((cells) =>
    cells.map((cell) => ({
      row: cell.getAttribute('data-row') ?? '',
      period: cell.getAttribute('data-period') ?? '',
      rowLabel: cell.parentElement?.querySelector('th')?.textContent ?? '',
      // As rendered (a block's text on its own line), with what is there for screen readers only.
      text: (cell as unknown as { innerText: string }).innerText,
    })),
  );
}

/** Each cell of the API's report (its rows, then the company's) is the page's: NPS as rounded, n, and the flag. */
function expectSameCells(report: NpsReport, shown: ShownCell[]): void {
  const apiRows = [...report.rows.map((row) => ({ row, key: row.key ?? '(none)' })), { row: report.total, key: 'company' }];
  expect(shown.length).toBe(apiRows.length * (report.periods.length + 1));
  for (const { row, key } of apiRows) {
    const cells = [...row.cells.map((cell, index) => ({ cell, period: report.periods[index]!.key })), { cell: row.total, period: 'total' }];
    for (const { cell, period } of cells) {
      const where = `${row.label}, ${period}`;
      const onPage = shown.find((candidate) => candidate.row === key && candidate.period === period);
      expect(onPage, where).toBeDefined();
      expect(onPage!.rowLabel, where).toBe(row.label);
      if (cell.nps === null) {
        expect(onPage!.text, where).toContain('no responses');
        continue;
      }
      const figure = /NPS\s*([−-]?\d+(?:\.\d+)?)/.exec(onPage!.text)?.[1];
      expect(figure, `${where}: ${onPage!.text}`).toBeDefined();
      // Shown to one decimal: within half a tenth of the API's exact figure.
      expect(Math.abs(Number(figure!.replace('−', '-')) - cell.nps), `${where}: ${onPage!.text} for ${cell.nps}`).toBeLessThanOrEqual(0.05 + 1e-9);
      expect(onPage!.text, where).toMatch(new RegExp(`(^|\\s)n ${cell.n}(\\s|$)`));
      expect(onPage!.text.includes('flagged'), `${where}: flagged is ${cell.flag}`).toBe(cell.flag === 'not_enough_responses');
    }
  }
}

describe('an admin in the web app', () => {
  it('shows on the reports page the same cells as GET /reports/nps, by CSM by month and by team by quarter', async () => {
    const { page, checks } = admin;
    await checks.visit('/app/reports', 'reports', { ready: () => page.getByRole('table', { name: /^NPS by CSM by month/ }) });
    const byCsm = await stack.api<NpsReport>('GET', '/reports/nps?by=csm&period=month');
    expect(byCsm.status).toBe(200);
    expect(byCsm.body.rows.length).toBeGreaterThan(3);
    // The demo's month so far has too few answers: the flags are compared too, not only their absence.
    expect(byCsm.body.total.cells.some((cell) => cell.flag === 'not_enough_responses')).toBe(true);
    expectSameCells(byCsm.body, await shownCells(admin));

    await page.getByLabel('Rows').selectOption('team');
    await page.getByLabel('Period').selectOption('quarter');
    await checks.check('reports-by-team-by-quarter', { ready: () => page.getByRole('table', { name: /^NPS by team by quarter/ }) });
    const byTeam = await stack.api<NpsReport>('GET', '/reports/nps?by=team&period=quarter');
    expectSameCells(byTeam.body, await shownCells(admin));
  }, 180_000);

  it('edits a list rule: a wrong fact name is shown at its place with the valid ones, fixed, dry-run, saved, and the list has new members', async () => {
    const { page, checks } = admin;
    const members = async () => {
      const { body } = await stack.api<{ members: { user: { email: string } }[]; page: { total: number } }>('GET', '/lists/admin-detractors/members?limit=500');
      return body.members.map((member) => member.user.email).sort();
    };
    const before = await members();
    expect(before.length).toBeGreaterThan(0);

    await checks.visit('/app/rules/admin-detractors', 'rule', { ready: () => page.getByText('No problems: the document is valid.') });
    const editor = page.getByRole('textbox', { name: 'Rule JSON' });
    const problems = page.getByRole('region', { name: 'Problems in the Rule JSON' });
    // Admins who are detractors become champions who are: the fact's name mistyped first.
    await editor.getByText('"role"', { exact: true }).dblclick();
    await page.keyboard.type('persna');
    await page.keyboard.press('Escape');
    await editor.getByText('"admin"', { exact: true }).dblclick();
    await page.keyboard.type('champion');
    await page.keyboard.press('Escape');

    const problem = problems.getByRole('listitem').filter({ hasText: 'persna' });
    await problem.waitFor();
    const said = await problem.innerText();
    expect(said).toMatch(/did you mean "persona"/);
    expect(said).toMatch(/Valid values:.*\bpersona\b/s);
    expect(said).toMatch(/\brole\b/);
    // The lint mark is on the line of the wrong name, in the text and in the gutter beside it.
    const line = editor.locator('.cm-line').filter({ hasText: '"persna"' });
    await line.locator('.cm-lintRange-error').first().waitFor();
    const lineBox = (await line.boundingBox())!;
    const markerBoxes = await Promise.all((await page.locator('.cm-lint-marker-error').all()).map((marker) => marker.boundingBox()));
    expect(markerBoxes.some((box) => box !== null && box.y + box.height / 2 > lineBox.y && box.y + box.height / 2 < lineBox.y + lineBox.height)).toBe(true);
    await checks.check('rule-with-a-problem', { ready: () => problem });
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);

    await line.getByText('"persna"', { exact: true }).dblclick();
    await page.keyboard.type('persona');
    await page.keyboard.press('Escape');
    await problems.getByText('No problems: the document is valid.').waitFor();
    const edited = JSON.parse(await editor.innerText()) as { conditions: unknown };
    expect(edited.conditions).toEqual({
      all: [
        { fact: 'latestCategory', value: 'detractor', operator: 'equal' },
        { fact: 'persona', value: 'champion', operator: 'equal' },
      ],
    });

    await page.getByRole('button', { name: 'Dry run' }).click();
    const dryRun = page.getByText(/^\d+ users? would be in the list now/);
    await dryRun.waitFor();
    const wouldMatch = Number(/^(\d+)/.exec(await dryRun.innerText())![1]);
    const { body: expected } = await stack.api<{ total: number; users: { email: string }[] }>('POST', '/rules/dry-run?limit=500', { kind: 'list', name: 'admin-detractors', ...edited });
    expect(wouldMatch).toBe(expected.total);
    expect(wouldMatch).toBeGreaterThan(0);
    for (const user of expected.users.slice(0, 5)) await page.getByRole('region', { name: 'Dry run' }).getByText(user.email, { exact: false }).first().waitFor();
    await checks.check('rule-dry-run', { ready: () => dryRun });

    await page.getByLabel('Note').fill('Champions who are detractors, not admins');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved: version 2.' }).waitFor();
    const after = await members();
    expect(after).toEqual(expected.users.map((user) => user.email).sort());
    expect(after).not.toEqual(before);
    await checks.check('rule-saved', { ready: () => page.getByRole('cell', { name: 'Champions who are detractors, not admins' }) });
  }, 180_000);

  it('every admin page, at 1280 and 390 px, loads under 300 KB of JavaScript with no console error, failed request or serious axe violation', async () => {
    const weights: string[] = [];
    const firstVisit = async (path: string, name: string, options: VisitOptions) => {
      const visit = await stack.firstVisit(admin, path, name, options);
      weights.push(`${name}: ${(visit.javaScriptGzipBytes / 1000).toFixed(1)} KB`);
      await visit.context.close();
    };
    const documentIsValid = (page: Page) => page.getByText('No problems: the document is valid.');

    await firstVisit('/app/accounts', 'accounts-as-admin', { ready: (page) => page.getByRole('table', { name: /^Accounts/ }) });
    await firstVisit('/app/reports', 'reports', { ready: (page) => page.getByRole('table', { name: /^NPS by CSM by month/ }) });
    await firstVisit('/app/rules', 'rules', { ready: (page) => page.getByRole('link', { name: 'relationship-health' }) });
    await firstVisit('/app/rules/relationship-health', 'rule-health', { ready: documentIsValid });
    await firstVisit('/app/lists', 'lists', { ready: (page) => page.getByRole('table', { name: 'Lists and their members' }) });
    await firstVisit('/app/lists?list=detractors-last-30-days', 'list-members', { ready: (page) => page.getByRole('heading', { name: 'Members of detractors-last-30-days' }) });
    await firstVisit('/app/journeys', 'journeys', { ready: (page) => page.getByRole('table', { name: 'Enrollments per journey' }) });
    await firstVisit('/app/journeys/detractor-follow-up', 'journey', { ready: documentIsValid });
    console.log(`JavaScript on first load (gzip): ${weights.join(', ')}`);
  }, 240_000);
});
