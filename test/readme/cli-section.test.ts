import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'shell-quote';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.ts';
import { type EmbeddedTemporal, startEmbeddedTemporal } from '../../worker/embedded-temporal-server.ts';
import { npmStarter, type StartedNpsloop } from '../helpers/npm-start.ts';
import { waitFor } from '../helpers/wait-for.ts';

// README's "Command line" code block, run as written (`npsloop` being `node bin/npsloop.mjs`, from
// the repo root) against the demo instance `npm start` loads: the task commands while it runs (they
// go through its API), then every other line in README order on the same data folder once it has
// stopped, and `serve`, which runs until stopped, last. Each must exit with 0.

const bin = path.resolve('bin/npsloop.mjs');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-readme-cli-'));

interface ReadmeCommand {
  /** The line as README has it (`npsloop …`), without its comment. */
  line: string;
  /** Its words after `npsloop`, split as a shell splits them. */
  args: string[];
}

/** The lines of the ```sh block under "## Command line", comments and blank lines left out. */
function readmeCliCommands(): ReadmeCommand[] {
  const readme = fs.readFileSync(path.resolve('README.md'), 'utf8');
  const section = readme.split(/^## Command line$/m)[1]?.split(/^## /m)[0];
  if (!section) throw new Error('README.md has no "## Command line" section');
  const block = /^```sh\n([\s\S]*?)^```$/m.exec(section)?.[1];
  if (!block) throw new Error('README.md\'s "Command line" section has no ```sh block');
  const commands: ReadmeCommand[] = [];
  for (const raw of block.split('\n')) {
    // shell-quote drops nothing silently: a comment comes back as { comment }, an operator (a
    // pipe, a redirection) or a glob as an object too, and a $VARIABLE is left as written.
    const words = parse(raw, (name) => `$${name}`).filter((word) => !(typeof word === 'object' && 'comment' in word));
    if (words.length === 0) continue; // a blank line, or a comment continuing the line above
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!words.every((word): word is string => typeof word === 'string')) throw new Error(`README line is more than one command: ${line}`);
    if (words[0] !== 'npsloop') throw new Error(`README line does not start with npsloop: ${line}`);
    commands.push({ line, args: words.slice(1) });
  }
  return commands;
}

/** The embedded defaults, on this test's data folder, whatever the suite's environment says. */
function cliEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { DATABASE_URL: _db, TEMPORAL_ADDRESS: _temporal, SMTP_URL: _smtp, ...inherited } = process.env;
  return { ...inherited, NPSLOOP_DATA_DIR: dataDir, ...extra };
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile('node', [bin, ...args], { env: cliEnvironment(), timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

function report(command: ReadmeCommand, ran: Ran): string {
  return `${command.line}\n--- exit code ${ran.code}\n--- stdout\n${ran.stdout}\n--- stderr\n${ran.stderr}`;
}

const commands = readmeCliCommands();
const isTaskChange = (command: ReadmeCommand) => command.args[0] === 'tasks' && ['complete', 'reassign'].includes(command.args[1]!);
const isServe = (command: ReadmeCommand) => command.args[0] === 'serve';
const whileStarted = commands.filter(isTaskChange);
const serveCommands = commands.filter(isServe);
const afterwards = commands.filter((command) => !isTaskChange(command) && !isServe(command));

const { npmStart, stopAll } = npmStarter(dataDir);
let started: StartedNpsloop | undefined;
let temporal: EmbeddedTemporal | undefined;

afterAll(async () => {
  await stopAll();
  await temporal?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

describe("README's command line section, run as written against the demo instance", () => {
  it('has the commands README shows, each on one line', () => {
    expect(commands.length).toBeGreaterThan(20);
    expect(whileStarted.map((command) => command.args.slice(0, 2).join(' '))).toEqual(['tasks complete', 'tasks reassign']);
    expect(serveCommands).toHaveLength(1);
  });

  describe('while npm start runs, with its demo', () => {
    beforeAll(async () => {
      started = await npmStart();
      expect(started.output()).toContain('demo loaded:');
      // The demo's fresh detractor answers open tasks as their journeys start: wait for the ones
      // README's lines name, open.
      const token = fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
      const ids = whileStarted.map((command) => Number(command.args[2]));
      await waitFor(async () => {
        const response = await fetch(`${started!.apiUrl}/tasks?status=open&limit=500`, { headers: { authorization: `Bearer ${token}` } });
        const { tasks } = (await response.json()) as { tasks: { id: number }[] };
        return ids.every((id) => tasks.some((task) => task.id === id)) ? true : undefined;
      }, `the demo's open tasks ${ids.join(', ')}`, 120, { intervalMs: 500 });
    }, 300_000);

    for (const command of whileStarted) {
      it(command.line, async () => {
        const ran = await runCli(command.args);
        expect(ran.code, report(command, ran)).toBe(0);
      }, 120_000);
    }

    it('npm start stops on Ctrl-C', async () => {
      expect(await started!.pressCtrlC(), started!.output()).toBe(0);
    }, 120_000);
  });

  describe('afterwards, on the same data folder', () => {
    for (const command of afterwards) {
      it(command.line, async () => {
        const ran = await runCli(command.args);
        expect(ran.code, report(command, ran)).toBe(0);
      }, 120_000);
    }

    for (const command of serveCommands) {
      it(`${command.line} (with TEMPORAL_ADDRESS), until SIGTERM`, async () => {
        // A running Temporal for it to connect to: the demo's own dev server state, as npm start left it.
        temporal = await startEmbeddedTemporal(loadConfig({ NPSLOOP_DATA_DIR: dataDir, TEMPORAL_DEV_SERVER_PORT: '0', TEMPORAL_DEV_SERVER_UI_PORT: '0' }));
        const child = spawn('node', [bin, ...command.args], {
          env: cliEnvironment({ TEMPORAL_ADDRESS: temporal.address, NPSLOOP_HTTP_PORT: '0' }),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        try {
          const apiUrl = await waitFor(async () => {
            if (child.exitCode !== null) throw new Error(report(command, { code: child.exitCode, stdout, stderr }));
            return /API on (http:\/\/\S+),/.exec(stderr)?.[1];
          }, 'npsloop serve to listen', 90, { intervalMs: 200 });
          const health = await fetch(`${apiUrl}/healthz`);
          expect(health.status, report(command, { code: null, stdout, stderr })).toBe(200);
          child.kill('SIGTERM');
          const code = await exited;
          expect(code, report(command, { code, stdout, stderr })).toBe(0);
        } finally {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await temporal.stop();
        }
      }, 180_000);
    }
  });
});
