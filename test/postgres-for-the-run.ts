import { startPrivatePostgres } from './helpers/private-postgres.ts';

/**
 * vitest globalSetup. PostgreSQL is a real part of every run, beside PGlite: DATABASE_URL names a
 * server (CI's), and without it the run starts one of its own from the installed server binaries,
 * before the test workers start so that they inherit its address. A machine without them fails
 * here, saying what to install, instead of skipping the PostgreSQL half of the suite.
 */
export default async function setup(): Promise<(() => void) | undefined> {
  if (process.env.DATABASE_URL) return undefined;
  // Every suite opens databases of its own on it, two workers at a time.
  const server = await startPrivatePostgres({ maxConnections: 200 });
  process.env.DATABASE_URL = server.url;
  return () => server.destroy();
}
