import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const csbot = join(root, 'bin', 'csbot.js');

async function cli(
  args: string[],
  cwd = root,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [csbot, ...args], {
      cwd,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('csbot', () => {
  it('classifies the README example as the STAR-board permission, in the contract JSON shape', async () => {
    const { code, stdout } = await cli(['nlu', 'classify', '科创板开户要什么条件', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result.intent).toBe('faq.permission_star');
    expect(Object.keys(result).sort()).toEqual([
      'alternatives',
      'confidence',
      'entities',
      'intent',
    ]);
    expect(result.confidence).toBeGreaterThan(0.5);
  });

  it('rejects an unrelated message as out_of_scope and reports entities with offsets', async () => {
    const off = JSON.parse(
      (await cli(['nlu', 'classify', '明天北京天气怎么样', '--json'])).stdout,
    ) as {
      intent: string;
    };
    expect(off.intent).toBe('out_of_scope');
    const text = '我的手机13812345678，想问600519';
    const withEntities = JSON.parse((await cli(['nlu', 'classify', text, '--json'])).stdout) as {
      entities: { type: string; value: string; start: number; end: number }[];
    };
    const phone = withEntities.entities.find((e) => e.type === 'phone');
    expect(phone?.value).toBe('13812345678');
    expect(text.slice(phone?.start, phone?.end)).toBe('13812345678');
    expect(withEntities.entities.some((e) => e.type === 'stock_code')).toBe(true);
  });

  it('lint passes on the shipped content and fails with file:line on a broken copy', async () => {
    const ok = await cli(['lint']);
    expect(ok.stdout).toContain('ok:');
    expect(ok.code).toBe(0);

    const copy = mkdtempSync(join(tmpdir(), 'csbot-lint-'));
    for (const dir of ['intents', 'dialogs', 'config'])
      cpSync(join(root, dir), join(copy, dir), { recursive: true });
    const file = join(copy, 'intents', 'chitchat.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\n(\s+)title:/, '\n$1titel:'));
    // One variant meaning two standard words is an error with its line.
    const synonyms = join(copy, 'intents', 'synonyms.txt');
    const lines = readFileSync(synonyms, 'utf8').split('\n');
    writeFileSync(synonyms, [...lines, '开户: 提现'].join('\n'));
    const broken = await cli(['lint', '--root', copy]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/intents\/chitchat\.yaml:\d+: unknown key "titel"/);
    expect(broken.stdout).toContain(
      `intents/synonyms.txt:${lines.length + 1}: "提现" already stands for "出金"`,
    );
  });

  it('npm start refuses content with errors, synonyms included, before it listens', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'csbot-start-'));
    for (const dir of ['intents', 'dialogs', 'config'])
      cpSync(join(root, dir), join(copy, dir), { recursive: true });
    writeFileSync(join(copy, 'intents', 'synonyms.txt'), '出金: 提现\n开户: 提现\n');
    const started = await run(process.execPath, ['--import', 'tsx', join(root, 'src', 'main.ts')], {
      cwd: root,
      env: { ...process.env, CONTENT_DIR: copy, PORT: '0' },
      timeout: 60_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code?: number; stderr?: string }) => ({
        code: error.code ?? 1,
        stderr: error.stderr ?? '',
      }),
    );
    expect(started.code).toBe(1);
    expect(started.stderr).toContain('content has errors');
    expect(started.stderr).toContain('intents/synonyms.txt:2: "提现" already stands for "出金"');
  });

  it('evaluates a {"text","label"} file with the contract fields, and explains a bad line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csbot-eval-'));
    const data = join(dir, 'data.jsonl');
    writeFileSync(
      data,
      [
        { text: '创业板权限怎么开', label: 'faq.permission_chinext' },
        { text: '我要投诉你们的客服', label: 'service.complaint' },
        { text: '几点开盘', label: 'faq.trading_hours' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const { code, stdout } = await cli(['nlu', 'eval', '--data', data, '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      accuracy: number;
      macroF1: number;
      n: number;
      perLabel: object;
    };
    expect(report.n).toBe(3);
    expect(report.accuracy).toBeGreaterThan(0.6);
    expect(report.perLabel).toHaveProperty('faq.permission_chinext');
    writeFileSync(data, '{"text": "x"}\nnot json\n');
    const bad = await cli(['nlu', 'eval', '--data', data, '--json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('data.jsonl:1: expected {"text": string, "label": string}');
  });
});
