// Creates and migrates an embedded database in its own process. PGlite's first start
// (initdb) leaves several hundred MB resident that are never returned; a benchmark that
// measures its own memory starts from a database created beforehand, as `npm start` reopens one.
import { openDatabase } from '../../db/connect.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: init-pglite.ts <data dir>');
const db = await openDatabase({ kind: 'pglite', dataDir });
await db.close();
