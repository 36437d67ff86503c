import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Receives a streamed body into a temporary file (mode 600, in the system's temp folder), then
 * hands the file to `use`, and removes it whatever happens. Work that holds a database
 * transaction for a whole body starts only once the body has arrived in full, so a slow or
 * stalled client never holds the transaction, and a body refused half-way (413, a dropped
 * connection) never reached the database.
 */
export async function withSpooledBody<T>(body: Readable, use: (file: string) => Promise<T>): Promise<T> {
  const folder = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'npsloop-upload-'));
  try {
    const file = path.join(folder, 'body');
    await pipeline(body, fs.createWriteStream(file, { mode: 0o600 }));
    return await use(file);
  } finally {
    await fs.promises.rm(folder, { recursive: true, force: true });
  }
}
