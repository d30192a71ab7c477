// The file primitives of the embedded stores: JSONL read with torn-tail tolerance, append + fsync,
// atomic replace, and private permissions (the files hold customers' personal data: 0600 files in
// 0700 folders, whatever the process umask allows beyond that).
import { constants } from 'node:fs';
import { access, chmod, mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StoreUnavailableError } from './errors.ts';

export type Warn = (message: string) => void;

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

export const defaultWarn: Warn = (message) => console.warn(`[store] ${message}`);

export interface JsonlContent {
  records: { value: unknown; line: number }[];
  /** The file ends in a fragment without newline (a crash mid-write): start the next write on a new line. */
  needsNewline: boolean;
  exists: boolean;
  /** Size in bytes of what was read. */
  bytes: number;
}

/** Reads a JSONL file, skipping with a warning any line that does not parse. */
export async function readJsonl(path: string, warn: Warn): Promise<JsonlContent> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { records: [], needsNewline: false, exists: false, bytes: 0 };
    }
    throw new StoreUnavailableError(`cannot read ${path}`, { cause: error });
  }
  const lines = text.split('\n');
  const last = lines.length - 1;
  const records: JsonlContent['records'] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      records.push({ value: JSON.parse(line) as unknown, line: i + 1 });
    } catch {
      const why = i === last ? 'truncated last line (interrupted write?)' : 'unreadable line';
      warn(`${path}:${i + 1}: skipped ${why}, ${line.length} characters`);
    }
  });
  return {
    records,
    needsNewline: text !== '' && !text.endsWith('\n'),
    exists: true,
    bytes: Buffer.byteLength(text),
  };
}

/** Appends and fsyncs, so the promise resolves only once the text is on disk. */
export async function appendDurably(path: string, text: string, isNewFile: boolean): Promise<void> {
  const handle = await open(path, 'a', PRIVATE_FILE_MODE);
  try {
    await handle.appendFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (isNewFile) await syncDirectory(dirname(path));
}

/** Replaces the file's content all at once: a crash leaves the old or the new file, never half. */
export async function replaceDurably(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', PRIVATE_FILE_MODE);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  await syncDirectory(dirname(path));
}

// A new file's directory entry must reach the disk too, or a crash can lose the whole file.
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the data itself is already synced.
  }
}

/** Creates the folder (0700) or tightens an existing one the process owns; fails when not writable. */
export async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new StoreUnavailableError(`data directory ${dir} is not writable`, { cause: error });
  }
  await tighten(dir, PRIVATE_DIR_MODE);
}

/** Makes an existing file or folder private (data written by older versions was 0644). */
export async function tighten(path: string, mode: number): Promise<void> {
  try {
    await chmod(path, mode);
  } catch {
    // Missing, or owned by someone else: nothing this process may change.
  }
}
