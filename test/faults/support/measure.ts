// Disk use of a data directory, for the fault suite's figures.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await dirBytes(path);
    else total += (await stat(path)).size;
  }
  return total;
}

export async function dirSizeMb(dir: string): Promise<number> {
  return Math.round(((await dirBytes(dir)) / 1024 / 1024) * 100) / 100;
}
