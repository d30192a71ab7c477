// kill -9 of a process writing to the embedded file store (concurrent complaint tickets and
// transcript lines), then the data read back by a fresh process: twice, once as the kill left the
// disk and once cut back to what had been fsynced (what a power cut would leave). Nothing the store
// confirmed may be missing, and every file must still parse (at most a torn last line).
import { spawn } from 'node:child_process';
import { readdir, readFile, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './support.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CRASH = join(import.meta.dirname, 'crash');
/** Confirmed writes before the kill: enough that many are in flight at that moment. */
const KILL_AFTER = 240;

type Confirmed =
  | { kind: 'line'; conversationId: string; seq: number; text: string }
  | { kind: 'ticket'; id: string; conversationId: string; description: string };

interface ReadBack {
  tickets: { id: string; conversationId: string; description: string }[];
  lines: Record<string, { seq: number; text: string }[]>;
  warnings: string[];
}

function tsxArgs(script: string, preload: string[] = []): string[] {
  return ['--import', 'tsx', ...preload.flatMap((p) => ['--import', p]), join(CRASH, script)];
}

/** Runs the writer until KILL_AFTER confirmations, kills it with SIGKILL, returns all it confirmed. */
async function writeAndKill(dataDir: string, journal: string): Promise<Confirmed[]> {
  const child = spawn(
    process.execPath,
    [...tsxArgs('writer.ts', [join(CRASH, 'sync-journal.ts')]), dataDir, '8'],
    { cwd: ROOT, env: { ...process.env, CSBOT_SYNC_JOURNAL: journal }, stdio: 'pipe' },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  const confirmed: Confirmed[] = [];
  // Everything the writer printed counts, including lines that were in the pipe at the kill.
  for await (const line of createInterface({ input: child.stdout })) {
    const record = JSON.parse(line) as Confirmed | { kind: 'ready' };
    if (record.kind === 'ready') continue;
    confirmed.push(record);
    if (confirmed.length === KILL_AFTER) child.kill('SIGKILL');
  }
  const ended = await exited;
  expect(ended, `the writer ended before it was killed: ${stderr}`).toBe('SIGKILL');
  return confirmed;
}

async function readBack(dataDir: string, conversationIds: string[]): Promise<ReadBack> {
  const child = spawn(process.execPath, [...tsxArgs('reader.ts'), dataDir, ...conversationIds], {
    cwd: ROOT,
    stdio: 'pipe',
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code, `the reader failed: ${stderr}`).toBe(0);
  return JSON.parse(stdout) as ReadBack;
}

/** Cuts every store file back to the size its last fsync covered; a never-synced file empties. */
async function cutToSynced(dataDir: string, journal: string): Promise<{ cutBytes: number }> {
  const synced = new Map<string, number>();
  for (const line of (await readFile(journal, 'utf8')).split('\n')) {
    if (line === '') continue;
    const { path, size } = JSON.parse(line) as { path: string; size: number };
    synced.set(path, Math.max(size, synced.get(path) ?? 0));
  }
  const files = [
    join(dataDir, 'tickets.jsonl'),
    ...(await readdir(join(dataDir, 'transcripts'))).map((f) => join(dataDir, 'transcripts', f)),
  ];
  let cutBytes = 0;
  for (const file of files) {
    const { size } = await stat(file);
    const keep = Math.min(size, synced.get(file) ?? 0);
    cutBytes += size - keep;
    await truncate(file, keep);
  }
  return { cutBytes };
}

function expectNothingConfirmedLost(confirmed: Confirmed[], found: ReadBack): void {
  const ticketIds = new Set(found.tickets.map((t) => t.id));
  const lostTickets = confirmed.filter((c) => c.kind === 'ticket' && !ticketIds.has(c.id));
  expect(lostTickets).toEqual([]);
  const lostLines = confirmed.filter(
    (c) =>
      c.kind === 'line' &&
      !found.lines[c.conversationId]?.some((l) => l.seq === c.seq && l.text === c.text),
  );
  expect(lostLines).toEqual([]);
  // Only a torn last line may be skipped: anything else means a write broke a file.
  expect(found.warnings.filter((w) => !w.includes('truncated last line'))).toEqual([]);
  for (const [conversationId, lines] of Object.entries(found.lines)) {
    expect(
      lines.map((l) => l.seq),
      conversationId,
    ).toEqual(lines.map((_, i) => i + 1));
  }
}

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

describe('the embedded file store killed with SIGKILL mid-write, read by a fresh process', () => {
  it('keeps every confirmed ticket and transcript line, as killed and as fsynced', async () => {
    const { dir, remove } = await tempDir();
    cleanup = remove;
    const dataDir = join(dir, 'data');
    const journal = join(dir, 'sync-journal.jsonl');

    const confirmed = await writeAndKill(dataDir, journal);
    expect(confirmed.length).toBeGreaterThanOrEqual(KILL_AFTER);
    const conversationIds = [...new Set(confirmed.map((c) => c.conversationId))];
    expect(conversationIds).toHaveLength(8);
    expect(confirmed.some((c) => c.kind === 'ticket')).toBe(true);

    // As the kill left it: the page cache survives a process crash.
    expectNothingConfirmedLost(confirmed, await readBack(dataDir, conversationIds));

    // As a power cut would leave it: only what was fsynced before each confirmation.
    await cutToSynced(dataDir, journal);
    const afterPowerCut = await readBack(dataDir, conversationIds);
    expectNothingConfirmedLost(confirmed, afterPowerCut);
    // The reader saw the writer's data, not an empty store that trivially loses nothing.
    expect(afterPowerCut.tickets.length).toBeGreaterThan(0);
  }, 60_000);
});
