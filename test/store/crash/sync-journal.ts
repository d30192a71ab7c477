// Preloaded (node --import) into the crash writer: records, for every fsync the store makes, which
// file and how many bytes of it were on disk when the sync started. kill -9 keeps the page cache,
// so after a kill the test cuts every file back to its last synced size: what a power cut would
// have left. A store that confirms a write before it is synced then loses it, and the test fails.
import type * as fsModule from 'node:fs';
import { appendFileSync, fstatSync, readlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire, syncBuiltinESMExports } from 'node:module';

function journalPath(): string {
  const path = process.env.CSBOT_SYNC_JOURNAL;
  if (!path) throw new Error('sync-journal: CSBOT_SYNC_JOURNAL is not set');
  return path;
}
const journal = journalPath();

// FileHandle is not exported; its prototype is reached through a handle on any file.
const probe = await open(import.meta.filename, 'r');
const prototype = Object.getPrototypeOf(probe) as {
  sync(): Promise<void>;
  datasync(): Promise<void>;
};
await probe.close();

function record(fd: number): () => void {
  // Linux: the descriptor's path; the size before the sync is what the sync is sure to cover.
  const path = readlinkSync(`/proc/self/fd/${fd}`);
  const size = fstatSync(fd).size;
  return () => appendFileSync(journal, `${JSON.stringify({ path, size })}\n`);
}

for (const method of ['sync', 'datasync'] as const) {
  const original = prototype[method];
  prototype[method] = async function (this: { fd: number }): Promise<void> {
    const done = record(this.fd);
    await original.call(this);
    done();
  };
}

// The synchronous calls too, so a store that syncs another way is not mistaken for one that does not.
// The CommonJS exports object is the mutable one; syncBuiltinESMExports() carries the change over.
const fs = createRequire(import.meta.url)('node:fs') as typeof fsModule;
for (const method of ['fsyncSync', 'fdatasyncSync'] as const) {
  const original = fs[method];
  fs[method] = (fd: number): void => {
    const done = record(fd);
    original(fd);
    done();
  };
}
syncBuiltinESMExports();
