import fs from 'node:fs';
import path from 'node:path';

/*
 * Where a running `npm start` tells other processes on this machine its API's address: the port
 * is only known once it listens (NPSLOOP_HTTP_PORT=0 takes any free one). The CLI reads it to
 * reach the instance that holds the embedded database.
 */

const apiUrlFile = (dataDir: string) => path.join(dataDir, 'api-url');

/** Writes the API's URL into the data folder; the file goes when this process exits. */
export function publishApiUrl(dataDir: string, apiUrl: string): void {
  const file = apiUrlFile(dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, `${apiUrl}\n`);
  // Left behind, it would name a port nobody listens on, or somebody else does.
  process.once('exit', () => fs.rmSync(file, { force: true }));
}

/** The URL a running instance published in this data folder, if any. */
export function publishedApiUrl(dataDir: string): string | undefined {
  const file = apiUrlFile(dataDir);
  const url = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  return url === '' ? undefined : url;
}
