import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Locator, Page, Response } from 'playwright-core';

/** Where every page's screenshots go (git-ignored), one per width. */
export const SCREENSHOT_DIR = path.resolve('test-artifacts/screenshots');
/** A desktop and a phone. */
export const WIDTHS = [
  { width: 1280, height: 900 },
  { width: 390, height: 844 },
] as const;

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Issue 13: the first load of any page carries under 300 KB of JavaScript, gzipped. */
export const JAVASCRIPT_BUDGET_BYTES = 300_000;

/** A failed request a scenario means to cause (a 404 for another CSM's task), not a fault. */
export interface ExpectedFailure {
  status: number;
  url: RegExp;
}

/** What the functions evaluated in the page use there (the project's TypeScript has no DOM types). */
interface InPage {
  axe: typeof import('axe-core');
  requestAnimationFrame: (callback: () => void) => number;
}

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

export interface VisitOptions {
  /** What shows the page is there (its heading, its table); waited for before anything is checked. */
  ready: (page: Page) => Locator;
  /** Screenshots at both widths (default); off for pages passed through on the way somewhere. */
  screenshots?: boolean;
}

/**
 * Watches one browser page for what must never happen on a visit: a console error, an uncaught
 * error, a request that failed or was answered 4xx/5xx (unless the scenario expects it); and checks
 * each page with axe-core (serious and critical violations fail) and keeps its screenshots.
 */
export class PageChecks {
  private problems: string[] = [];
  private expected: ExpectedFailure[] = [];
  private scripts: Promise<{ url: string; gzipBytes: number }>[] = [];

  constructor(readonly page: Page) {
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      // Chrome logs every 4xx/5xx answer as "Failed to load resource"; an expected one is no fault.
      const status = /status of (\d{3})/.exec(message.text())?.[1];
      if (status && this.isExpected(message.location().url, Number(status))) return;
      this.problems.push(`console error: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => this.problems.push(`uncaught error: ${error.stack ?? error.message}`));
    page.on('requestfailed', (request) => {
      const failure = request.failure()?.errorText ?? 'failed';
      // Leaving a page cancels the requests it still had running (the app aborts them on unmount):
      // a cancelled request is not a failed one.
      if (failure === 'net::ERR_ABORTED') return;
      this.problems.push(`request failed: ${request.method()} ${request.url()}: ${failure}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400 && !this.isExpected(response.url(), response.status())) {
        this.problems.push(`request answered ${response.status()}: ${response.request().method()} ${response.url()}`);
      }
      if (new URL(response.url()).pathname.endsWith('.js')) this.scripts.push(gzippedSize(response));
    });
  }

  expectFailure(failure: ExpectedFailure): void {
    this.expected.push(failure);
  }

  clearExpectedFailures(): void {
    this.expected = [];
  }

  private isExpected(url: string, status: number): boolean {
    return this.expected.some((failure) => failure.status === status && failure.url.test(url));
  }

  /** Fails, listing them, if anything went wrong on the page since the last check. */
  assertNoProblems(where: string): void {
    const problems = this.problems.splice(0);
    if (problems.length > 0) throw new Error(`${where}:\n  ${problems.join('\n  ')}`);
  }

  /**
   * Opens `url` and checks the page: it gets ready, nothing failed, axe finds nothing serious at
   * either width, and its screenshots are kept as `<name>-<width>.png`. Resolves with the gzip size
   * of the JavaScript it loaded (the page's first load when the browser's cache is fresh).
   */
  async visit(url: string, name: string, options: VisitOptions): Promise<{ javaScriptGzipBytes: number; scripts: string[] }> {
    this.scripts = [];
    await this.page.goto(url);
    await this.check(name, options);
    const scripts = await Promise.all(this.scripts);
    return { javaScriptGzipBytes: scripts.reduce((sum, script) => sum + script.gzipBytes, 0), scripts: scripts.map((script) => script.url) };
  }

  /** The checks of `visit` on the page as it is now: after a click that shows another tab, say. */
  async check(name: string, { ready, screenshots = true }: VisitOptions): Promise<void> {
    try {
      await ready(this.page).first().waitFor();
      await this.settled();
    } catch (error) {
      // What the page showed instead is the first thing to look at.
      fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await this.page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-not-ready.png`), fullPage: true }).catch(() => undefined);
      throw error;
    }
    const violations: string[] = [];
    for (const size of screenshots ? WIDTHS : WIDTHS.slice(0, 1)) {
      await this.page.setViewportSize(size);
      await nextFrames(this.page);
      for (const violation of await this.axeViolations()) {
        violations.push(`at ${size.width} px: ${violation.impact} ${violation.id}: ${violation.help}\n      ${violation.nodes.join('\n      ')}`);
      }
      if (screenshots) {
        fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
        await this.page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-${size.width}.png`), fullPage: true });
      }
    }
    await this.page.setViewportSize(WIDTHS[0]);
    if (violations.length > 0) this.problems.push(`serious accessibility violations (axe-core):\n    ${violations.join('\n    ')}`);
    this.assertNoProblems(`the ${name} page`);
  }

  /** No request under way for a moment, and nothing saying it is still loading. */
  private async settled(): Promise<void> {
    await this.page.waitForLoadState('networkidle');
    await this.page.locator('[aria-busy="true"]').first().waitFor({ state: 'hidden' });
    await this.page.getByText(/^(Loading|Checking)\b.*…$/).first().waitFor({ state: 'hidden' });
  }

  private async axeViolations(): Promise<AxeViolation[]> {
    // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
    // govern (an injected <script> would be refused by its script-src 'self').
    if (!(await this.page.evaluate(() => 'axe' in globalThis))) await this.page.evaluate(axeSource);
    return this.page.evaluate(async () => {
      const { axe } = globalThis as unknown as InPage;
      const results = await axe.run({ resultTypes: ['violations'] });
      return results.violations
        .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
        .map((violation) => ({
          id: violation.id,
          impact: violation.impact ?? '',
          help: violation.help,
          nodes: violation.nodes.map((node) => `${node.target.join(' ')}: ${node.failureSummary ?? ''}`.replace(/\s+/g, ' ')),
        }));
    });
  }
}

async function gzippedSize(response: Response): Promise<{ url: string; gzipBytes: number }> {
  const body = await response.body().catch(() => Buffer.alloc(0));
  return { url: response.url(), gzipBytes: gzipSync(body).length };
}

/** Two animation frames: the layout after a resize has been painted. */
async function nextFrames(page: Page): Promise<void> {
  await page.evaluate(() => {
    const { requestAnimationFrame } = globalThis as unknown as InPage;
    return new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
  });
}
