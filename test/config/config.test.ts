import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, withHttpPort } from '../../config/config.ts';

describe('loadConfig', () => {
  it('runs on embedded defaults with no environment', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: 'pglite', dataDir: path.resolve('.data', 'pglite') });
    expect(config).toMatchObject({ timeZone: 'UTC', npsCounting: 'every_response', historyMonths: 6 });
    expect(config.temporal).toMatchObject({ address: undefined, namespace: 'default' });
  });

  it("points links at the API's own port unless NPSLOOP_PUBLIC_URL says where recipients reach it", () => {
    expect(loadConfig({}).publicUrl).toBe('http://localhost:3000');
    const moved = loadConfig({ NPSLOOP_HTTP_PORT: '3100' });
    expect(moved.publicUrl).toBe('http://localhost:3100');
    expect(withHttpPort(loadConfig({ NPSLOOP_HTTP_PORT: '0' }), 41234)).toMatchObject({ http: { port: 41234 }, publicUrl: 'http://localhost:41234' });

    const behindProxy = loadConfig({ NPSLOOP_HTTP_PORT: '3100', NPSLOOP_PUBLIC_URL: 'https://nps.example.com' });
    expect(behindProxy.publicUrl).toBe('https://nps.example.com');
    expect(withHttpPort(behindProxy, 41234).publicUrl).toBe('https://nps.example.com');
  });

  it('links enrollments to a Temporal UI only when NPSLOOP_TEMPORAL_UI_URL names one (npm start names its own)', () => {
    expect(loadConfig({}).temporal.uiUrl).toBeUndefined();
    expect(loadConfig({ NPSLOOP_TEMPORAL_UI_URL: 'https://cloud.temporal.io/' }).temporal.uiUrl).toBe('https://cloud.temporal.io');
    expect(() => loadConfig({ NPSLOOP_TEMPORAL_UI_URL: 'temporal-ui' })).toThrow(/NPSLOOP_TEMPORAL_UI_URL: expected/);
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/npsloop', NPSLOOP_TIME_ZONE: 'Europe/Paris', NPSLOOP_HISTORY_MONTHS: '12' });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/npsloop', preparedStatements: true });
    expect(config).toMatchObject({ timeZone: 'Europe/Paris', historyMonths: 12 });
    // Off for a connection pooler that does not keep prepared statements.
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/npsloop', NPSLOOP_DB_PREPARED_STATEMENTS: 'false' }).database).toMatchObject({ preparedStatements: false });
    expect(() => loadConfig({ NPSLOOP_DB_PREPARED_STATEMENTS: 'no' })).toThrow(/NPSLOOP_DB_PREPARED_STATEMENTS/);
  });

  it('signs in admin@localhost on an embedded instance, the listed admins otherwise, for 12 hours unless told', () => {
    expect(loadConfig({}).signIn).toEqual({ adminEmails: ['admin@localhost'], sessionHours: 12 });
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/npsloop' }).signIn.adminEmails).toEqual([]);
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/npsloop', NPSLOOP_ADMIN_EMAILS: ' Ops@Acme.com, lee@acme.com,', NPSLOOP_SESSION_HOURS: '8.5' }).signIn).toEqual({
      adminEmails: ['ops@acme.com', 'lee@acme.com'],
      sessionHours: 8.5,
    });
    for (const [variable, value] of [['NPSLOOP_ADMIN_EMAILS', 'ops@acme.com, not an address'], ['NPSLOOP_ADMIN_EMAILS', ' , '], ['NPSLOOP_SESSION_HOURS', '0']] as const) {
      expect(() => loadConfig({ [variable]: value }), `${variable}=${value}`).toThrow(new RegExp(`${variable}: expected`));
    }
  });

  it('names every bad variable and what it expects', () => {
    let error: unknown;
    try {
      loadConfig({ DATABASE_URL: 'mysql://x', NPSLOOP_TIME_ZONE: 'Mars/Base', NPSLOOP_HISTORY_MONTHS: '-1', NPSLOOP_NPS_COUNTING: 'average' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.variable).sort()).toEqual(['DATABASE_URL', 'NPSLOOP_HISTORY_MONTHS', 'NPSLOOP_NPS_COUNTING', 'NPSLOOP_TIME_ZONE']);
    expect((error as Error).message).toContain('NPSLOOP_TIME_ZONE: expected an IANA time zone such as "Europe/Paris" or "UTC"');
    expect((error as Error).message).toContain('DATABASE_URL: expected a PostgreSQL URL');
  });

  it('sends mail to the outbox folder unless SMTP_URL is set, and rejects a bad SMTP_URL', () => {
    expect(loadConfig({ NPSLOOP_DATA_DIR: '/srv/npsloop' }).mail).toEqual({
      smtpUrl: undefined,
      from: 'npsloop <npsloop@localhost>',
      outboxDir: path.resolve('/srv/npsloop', 'outbox'),
    });
    expect(loadConfig({ SMTP_URL: 'smtps://ann:s%40cret@mail.example.com:465' }).mail.smtpUrl).toBe('smtps://ann:s%40cret@mail.example.com:465');
    for (const bad of ['http://mail.example.com', 'smtp://', 'smtp://mail.example.com?pool=true', 'mail.example.com:25']) {
      expect(() => loadConfig({ SMTP_URL: bad }), bad).toThrow(/SMTP_URL: expected an SMTP URL such as smtp:\/\//);
    }
    expect(() => loadConfig({ NPSLOOP_MAIL_FROM: 'npsloop\r\nBcc: x@example.com' })).toThrow(/NPSLOOP_MAIL_FROM: expected a sender/);
  });

  it("sizes the worker's workflow cache (the SDK's default when unset, 0 or at least 2) and takes a workflow bundle built ahead", () => {
    expect(loadConfig({}).temporal.maxCachedWorkflows).toBeUndefined();
    expect(loadConfig({ TEMPORAL_WORKER_MAX_CACHED_WORKFLOWS: '2' }).temporal.maxCachedWorkflows).toBe(2);
    expect(loadConfig({ TEMPORAL_WORKER_MAX_CACHED_WORKFLOWS: '0' }).temporal.maxCachedWorkflows).toBe(0);
    expect(loadConfig({ TEMPORAL_WORKER_WORKFLOW_BUNDLE: 'build/workflows.js' }).temporal.workflowBundlePath).toBe(path.resolve('build/workflows.js'));
    for (const bad of ['1', '-3', '2.5', 'lots']) {
      expect(() => loadConfig({ TEMPORAL_WORKER_MAX_CACHED_WORKFLOWS: bad }), bad).toThrow(/TEMPORAL_WORKER_MAX_CACHED_WORKFLOWS: expected a whole number: 0 \(no cache/);
    }
  });
});
