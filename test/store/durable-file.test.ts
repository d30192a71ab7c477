// The embedded stores' file primitives, watched at the file-system boundary: a write is fsynced
// before its promise resolves (and a new file's folder too), a replace goes through a synced
// temporary file and a rename, torn lines are skipped with a warning, and the file a conversation
// lives in is named the same by every process (a name salted per process would lose every
// conversation on restart).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import type * as FsPromises from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  appendDurably,
  ensureWritableDir,
  readJsonl,
  replaceDurably,
  syncDirectory,
  tighten,
} from '../../src/store/durable-file.ts';
import { StoreUnavailableError } from '../../src/store/errors.ts';
import { FileStateStore } from '../../src/store/file-state.ts';
import { transcriptFileName } from '../../src/store/file.ts';
import { sampleState, tempDir } from './support.ts';

/** What the stores asked of the file system, in order: "open <path> <flags>", "sync <path>" ... */
const calls: string[] = [];

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  const record = (entry: string) => calls.push(entry);
  const open: typeof actual.open = async (path, flags, mode) => {
    const handle = await actual.open(path, flags, mode);
    const name = String(path);
    record(`open ${name} ${String(flags)}${mode === undefined ? '' : ` ${mode.toString(8)}`}`);
    for (const method of ['appendFile', 'writeFile', 'sync', 'close'] as const) {
      const original = handle[method].bind(handle) as (...args: unknown[]) => Promise<void>;
      (handle as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
        const result = await original(...args);
        record(`${method} ${name}`);
        return result;
      };
    }
    return handle;
  };
  const rename: typeof actual.rename = async (from, to) => {
    await actual.rename(from, to);
    record(`rename ${String(from)} ${String(to)}`);
  };
  return { ...actual, open, rename };
});

let dir = '';
let remove: () => Promise<void> = async () => {};
beforeEach(async () => {
  ({ dir, remove } = await tempDir());
  calls.length = 0;
});
afterEach(async () => {
  await remove();
});

const mode = async (path: string) => (await fs.stat(path)).mode & 0o777;

describe('appendDurably', () => {
  it('appends, fsyncs and closes the file before resolving, and fsyncs the folder of a new file', async () => {
    const path = join(dir, 'a.jsonl');
    await appendDurably(path, '{"n":1}\n', true);
    expect(calls).toEqual([
      `open ${path} a 600`,
      `appendFile ${path}`,
      `sync ${path}`,
      `close ${path}`,
      `open ${dir} r`,
      `sync ${dir}`,
      `close ${dir}`,
    ]);
    expect(await fs.readFile(path, 'utf8')).toBe('{"n":1}\n');
    expect(await mode(path)).toBe(0o600);
  });

  it('fsyncs an existing file on every append, without syncing its folder again', async () => {
    const path = join(dir, 'b.jsonl');
    await appendDurably(path, 'one\n', true);
    calls.length = 0;
    await appendDurably(path, 'two\n', false);
    expect(calls).toEqual([
      `open ${path} a 600`,
      `appendFile ${path}`,
      `sync ${path}`,
      `close ${path}`,
    ]);
    expect(await fs.readFile(path, 'utf8')).toBe('one\ntwo\n');
  });
});

describe('replaceDurably', () => {
  it('writes and fsyncs a private temporary file, renames it over the old one, then fsyncs the folder', async () => {
    const path = join(dir, 'c.jsonl');
    await fs.writeFile(path, 'old\nold\n');
    await replaceDurably(path, 'new\n');
    const temporary = `${path}.${process.pid}.tmp`;
    expect(calls).toEqual([
      `open ${temporary} w 600`,
      `writeFile ${temporary}`,
      `sync ${temporary}`,
      `close ${temporary}`,
      `rename ${temporary} ${path}`,
      `open ${dir} r`,
      `sync ${dir}`,
      `close ${dir}`,
    ]);
    expect(await fs.readFile(path, 'utf8')).toBe('new\n');
    expect(await fs.readdir(dir)).toEqual(['c.jsonl']);
  });
});

describe('FileStateStore.save', () => {
  it('resolves only after the conversation file was fsynced', async () => {
    const store = await FileStateStore.open({ dataDir: dir, warn: () => {} });
    calls.length = 0;
    await store.save(sampleState('web:fsync'), null);
    const file = join(dir, 'states', transcriptFileName('web:fsync'));
    expect(calls.slice(0, 4)).toEqual([
      `open ${file} a 600`,
      `appendFile ${file}`,
      `sync ${file}`,
      `close ${file}`,
    ]);
    // A new conversation file: its folder entry is synced too; a later save needs only the file.
    expect(calls).toContain(`sync ${join(dir, 'states')}`);
    calls.length = 0;
    await store.save(sampleState('web:fsync', { memory: { step: 2 } }), 1);
    expect(calls).toContain(`sync ${file}`);
    expect(calls).not.toContain(`sync ${join(dir, 'states')}`);
    await store.close();
  });
});

describe('readJsonl', () => {
  it('reads every intact line with its line number and says a torn tail needs a newline', async () => {
    const path = join(dir, 'd.jsonl');
    await fs.writeFile(path, '{"a":1}\n\nnot json\n{"b":"二"}\n{"c":');
    const warnings: string[] = [];
    const content = await readJsonl(path, (m) => warnings.push(m));
    expect(content).toEqual({
      records: [
        { value: { a: 1 }, line: 1 },
        { value: { b: '二' }, line: 4 },
      ],
      needsNewline: true,
      exists: true,
      bytes: Buffer.byteLength('{"a":1}\n\nnot json\n{"b":"二"}\n{"c":'),
    });
    expect(warnings).toEqual([
      `${path}:3: skipped unreadable line, 8 characters`,
      `${path}:5: skipped truncated last line (interrupted write?), 5 characters`,
    ]);
  });

  it('needs no newline after a complete file or an empty one', async () => {
    const path = join(dir, 'e.jsonl');
    await fs.writeFile(path, '{"a":1}\n');
    expect(await readJsonl(path, () => {})).toMatchObject({ needsNewline: false, bytes: 8 });
    await fs.writeFile(path, '');
    expect(await readJsonl(path, () => {})).toEqual({
      records: [],
      needsNewline: false,
      exists: true,
      bytes: 0,
    });
  });

  it('reads a missing file as empty, and an unreadable one as the store being unavailable', async () => {
    expect(await readJsonl(join(dir, 'missing.jsonl'), () => {})).toEqual({
      records: [],
      needsNewline: false,
      exists: false,
      bytes: 0,
    });
    await expect(readJsonl(dir, () => {})).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(readJsonl(dir, () => {})).rejects.toThrow(`cannot read ${dir}`);
  });
});

describe('private folders', () => {
  it('creates a missing data folder 0700 and tightens an existing open one', async () => {
    const fresh = join(dir, 'x', 'y');
    await ensureWritableDir(fresh);
    expect(await mode(fresh)).toBe(0o700);
    const open = join(dir, 'open');
    await fs.mkdir(open, { mode: 0o755 });
    await fs.chmod(open, 0o755);
    await ensureWritableDir(open);
    expect(await mode(open)).toBe(0o700);
  });

  it('refuses a data folder it cannot create', async () => {
    const file = join(dir, 'plain-file');
    await fs.writeFile(file, '');
    await expect(ensureWritableDir(join(file, 'data'))).rejects.toThrow(
      `data directory ${join(file, 'data')} is not writable`,
    );
    await expect(ensureWritableDir(join(file, 'data'))).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
  });

  it('leaves alone what it may not change, and folders it cannot fsync', async () => {
    await expect(tighten(join(dir, 'missing'), 0o600)).resolves.toBeUndefined();
    await expect(syncDirectory(join(dir, 'missing'))).resolves.toBeUndefined();
  });
});

describe('conversation file names', () => {
  it('are a fixed function of the conversation id: readable part and sha-256 prefix', () => {
    expect(transcriptFileName('web:disk')).toBe('web_disk-64fe4c515eb68fbe.jsonl');
    expect(transcriptFileName('wechat:oABC/../x')).toBe('wechat_oABC_x-514c22911889e2ac.jsonl');
    expect(transcriptFileName('a'.repeat(80))).toMatch(/^a{60}-[0-9a-f]{16}\.jsonl$/);
  });

  it('are the same in another process, so a restarted server finds its conversations', async () => {
    const script = [
      "import { transcriptFileName } from './src/store/file.ts';",
      "console.log(JSON.stringify(['web:disk', 'wechat:oABC/../x'].map(transcriptFileName)));",
    ].join('\n');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: join(import.meta.dirname, '..', '..') },
    );
    expect(JSON.parse(stdout)).toEqual([
      transcriptFileName('web:disk'),
      transcriptFileName('wechat:oABC/../x'),
    ]);
  });
});
