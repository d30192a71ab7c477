// Memory comes back once idle conversations expire: 12,500 complaints started on the memory
// stores, then nothing; measured in a process of its own with a forced garbage collection.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/bot-process.ts';

describe('memory after idle conversations expire', () => {
  it('returns to within 10% of the baseline heap', async () => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', 'test/faults/support/memory-probe.ts'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, err).toBe(0);
    const line = out.split('\n').find((l) => l.startsWith('{"conversations"'));
    expect(line, out + err).toBeDefined();
    const figures = JSON.parse(line!) as {
      heapBaselineMb: number;
      heapPeakMb: number;
      heapAfterMb: number;
    };
    console.info(`[faults] memory expiry ${line}`);
    // The conversations did take memory (else the test shows nothing) and gave it back.
    expect(figures.heapPeakMb - figures.heapBaselineMb).toBeGreaterThan(20);
    expect(figures.heapAfterMb).toBeLessThanOrEqual(figures.heapBaselineMb * 1.1);
  }, 300_000);
});
