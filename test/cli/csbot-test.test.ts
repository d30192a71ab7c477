// `csbot test`: the conversation test files against the current content, no server; a failure is
// a diff of what each turn expected and what the bot replied, and exit code 1.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { runConversationTests } from '../../src/cli/conversations.ts';
import { copyShippedContent, type ContentCopy } from '../support/content-copy.ts';
import { exactNlu } from '../support/exact-nlu.ts';

const run = promisify(execFile);
const csbot = join(import.meta.dirname, '..', '..', 'bin', 'csbot.js');
const fast = { buildNlu: async (c: Parameters<typeof exactNlu>[0]) => exactNlu(c) };

const PASSING = `cases:
  - name: 转账时间
    turns:
      - say: 银证转账的时间是几点到几点？
        expect: { contains: '9:00-16:00' }
`;
const FAILING = `cases:
  - name: 转账时间写错了
    turns:
      - say: 银证转账的时间是几点到几点？
        expect: { contains: 24小时, notContains: 周末 }
`;

let copy: ContentCopy | undefined;
afterEach(() => copy?.remove());

function contentWithCases(files: Record<string, string>): ContentCopy {
  copy = copyShippedContent();
  mkdirSync(join(copy.dir, 'test', 'conversations'), { recursive: true });
  for (const [name, text] of Object.entries(files))
    copy.write(join('test', 'conversations', name), text);
  return copy;
}

function capture(): { out: Writable; text: () => string } {
  let text = '';
  return {
    out: new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    }),
    text: () => text,
  };
}

describe('csbot test', () => {
  it('passes with exit code 0 when every case holds', async () => {
    const dir = contentWithCases({ 'hours.yaml': PASSING }).dir;
    const { out, text } = capture();
    expect(await runConversationTests({ rootDir: dir, dirs: [], build: fast }, out)).toBe(0);
    expect(text()).toContain('1/1 conversation cases passed');
  });

  it('shows each failed expectation against the actual reply, and exits 1', async () => {
    const dir = contentWithCases({ 'hours.yaml': PASSING, 'wrong.yaml': FAILING }).dir;
    const { out, text } = capture();
    expect(await runConversationTests({ rootDir: dir, dirs: [], build: fast }, out)).toBe(1);
    const report = text();
    expect(report).toContain('✗ test/conversations/wrong.yaml / 转账时间写错了');
    expect(report).toContain('✗ 1. 客户 customer: 银证转账的时间是几点到几点？');
    expect(report).toContain('- 期望 expected: reply should contain "24小时"');
    expect(report).toContain('- 期望 expected: reply must not contain "周末"');
    expect(report).toMatch(/\+ 实际 actual: {3}.*交易日 9:00-16:00/);
    expect(report).toContain('1/2 conversation cases passed (1 failed)');
  });

  it('runs one file when a file is given instead of a folder', async () => {
    const dir = contentWithCases({ 'hours.yaml': PASSING, 'wrong.yaml': FAILING }).dir;
    const { out, text } = capture();
    const dirs = [join('test', 'conversations', 'hours.yaml')];
    expect(await runConversationTests({ rootDir: dir, dirs, build: fast }, out)).toBe(0);
    expect(text()).toContain('1/1 conversation cases passed');
  });

  it('refuses content with lint errors the way the bot would', async () => {
    const dir = contentWithCases({ 'hours.yaml': PASSING }).dir;
    copy?.write('intents/broken.yaml', 'intents:\n  - id: "faq.x\n');
    await expect(
      runConversationTests({ rootDir: dir, dirs: [], build: fast }, capture().out),
    ).rejects.toThrow(/content has errors \(run csbot lint\):\nintents\/broken\.yaml:2: /);
  });

  it('runs as npx csbot test on a content folder, with the given test folder', async () => {
    const dir = contentWithCases({}).dir;
    mkdirSync(join(dir, 'checks'));
    copy?.write(join('checks', 'wrong.yaml'), FAILING);
    const failed = await run(process.execPath, [csbot, 'test', '--root', dir, 'checks'], {
      encoding: 'utf8',
    }).then(
      () => null,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toContain('✗ checks/wrong.yaml / 转账时间写错了');
    expect(failed?.stdout).toContain('0/1 conversation cases passed (1 failed)');
  }, 180_000);
});
