import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatIssue, lintIntents } from '../../src/content/lint.ts';
import { loadContent, parseIntentFile } from '../../src/content/load.ts';
import { placeholdersIn, renderTemplate } from '../../src/content/render.ts';
import { REQUIRED_INTENTS } from '../../src/content/taxonomy.ts';
import type { ContentIssue } from '../../src/content/types.ts';
import { normalizeText } from '../../src/nlu/normalize.ts';

const root = join(import.meta.dirname, '..', '..');

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'csbot-content-'));
  mkdirSync(join(dir, 'intents'));
  mkdirSync(join(dir, 'config'));
  writeFileSync(join(dir, 'config', 'firm.yaml'), 'hotline: 95000\nappName: 示例APP\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const examples = (prefix: string, n: number): string =>
  Array.from({ length: n }, (_, i) => `      - ${prefix}${i}号问题`).join('\n');

describe('intent files', () => {
  it('parses the documented format', () => {
    const issues: ContentIssue[] = [];
    const [intent] = parseIntentFile(
      `intents:
  - id: faq.demo
    title: 演示
    riskDisclosure: true
    dialog: demo
    examples:
      - 怎么开户
    answer:
      - 您好，请拨打{firm.hotline}。
    quickReplies:
      - label: 交易时间
        intent: faq.trading_hours
`,
      'intents/demo.yaml',
      issues,
    );
    expect(issues).toEqual([]);
    expect(intent).toMatchObject({
      id: 'faq.demo',
      title: '演示',
      riskDisclosure: true,
      dialog: 'demo',
      examples: ['怎么开户'],
      answers: ['您好，请拨打{firm.hotline}。'],
      quickReplies: [{ label: '交易时间', intent: 'faq.trading_hours' }],
      source: { file: 'intents/demo.yaml', line: 2 },
    });
  });

  it('reports schema errors with the file and line they are on', () => {
    const issues: ContentIssue[] = [];
    parseIntentFile(
      `intents:
  - id: faq.a
    title: 甲
    examples: 不是列表
    answer:
      - 好的
  - id: faq.b
    titel: 乙
    examples:
      - 你好
    answer: []
    riskDisclosure: 是
`,
      'intents/bad.yaml',
      issues,
    );
    const lines = issues.map(formatIssue);
    expect(lines).toContain('intents/bad.yaml:4: intent faq.a: examples must be a list');
    expect(lines.some((l) => l.startsWith('intents/bad.yaml:8: unknown key "titel"'))).toBe(true);
    expect(lines).toContain(
      'intents/bad.yaml:7: intent faq.b: missing "title" (short Chinese name)',
    );
    expect(lines).toContain('intents/bad.yaml:7: intent faq.b: needs at least one answer');
    expect(lines).toContain(
      'intents/bad.yaml:12: intent faq.b: riskDisclosure must be true or false',
    );
  });

  it('checks dialogWhen: it needs a dialog and a valid regular expression', () => {
    const issues: ContentIssue[] = [];
    const intents = parseIntentFile(
      `intents:
  - id: faq.a
    title: 甲
    dialog: troubleshoot
    dialogWhen: 失败|不成功
    examples: [转账失败]
    answer: 好的
  - id: faq.b
    title: 乙
    dialogWhen: 失败
    examples: [你好]
    answer: 好的
  - id: faq.c
    title: 丙
    dialog: troubleshoot
    dialogWhen: "失败(("
    examples: [你好]
    answer: 好的
`,
      'intents/when.yaml',
      issues,
    );
    expect(intents.find((i) => i.id === 'faq.a')).toMatchObject({
      dialog: 'troubleshoot',
      dialogWhen: '失败|不成功',
    });
    const lines = issues.map(formatIssue);
    expect(lines).toContain(
      'intents/when.yaml:10: intent faq.b: dialogWhen needs a dialog to start',
    );
    expect(
      lines.some((l) =>
        l.startsWith(
          'intents/when.yaml:16: intent faq.c: dialogWhen is not a valid regular expression',
        ),
      ),
    ).toBe(true);
  });

  it('reports YAML syntax errors with a line instead of throwing', () => {
    const issues: ContentIssue[] = [];
    expect(
      parseIntentFile('intents:\n  - id: faq.a\n    title: [unclosed\n', 'intents/x.yaml', issues),
    ).toEqual([]);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]?.file).toBe('intents/x.yaml');
    expect(issues[0]?.line).toBeGreaterThanOrEqual(3);
  });
});

describe('intent lint', () => {
  it('finds clashes across intents (after normalisation), thin intents and dangling references', () => {
    const dir = project({});
    writeFileSync(
      join(dir, 'intents', 'a.yaml'),
      `intents:
  - id: faq.one
    title: 一
    dialog: missing_dialog
    examples:
      - 開戶要帶什麼
${examples('甲', 25)}
    answer:
      - 请拨打{firm.hotline}，或看{firm.nope}。
    quickReplies:
      - label: 去二
        intent: faq.ghost
  - id: faq.two
    title: 二
    examples:
      - 开户要带什么
${examples('乙', 3)}
    answer:
      - 好的
`,
    );
    const content = loadContent({ rootDir: dir });
    expect(content.issues).toEqual([]);
    const messages = lintIntents(content, {
      dialogIds: new Set(),
      normalize: normalizeText,
      requiredIntents: ['faq.one', 'faq.three'],
    }).map(formatIssue);
    // Thin intents are advice (the accuracy gate judges them); each finding sits on its own line.
    expect(messages).toContainEqual(
      expect.stringMatching(
        /^intents\/a\.yaml:37: warning: intent faq\.two has 4 different phrasing\(s\); the accuracy gate needs at least 10/,
      ),
    );
    expect(
      messages.some((m) =>
        m.includes('"开户要带什么" of faq.two conflicts with "開戶要帶什麼" of faq.one'),
      ),
    ).toBe(true);
    expect(messages).toContain('intents/a.yaml:4: intent faq.one: unknown dialog "missing_dialog"');
    expect(messages).toContain(
      'intents/a.yaml:36: intent faq.one: quick reply "去二" points to unknown intent faq.ghost',
    );
    expect(messages).toContain(
      'intents/a.yaml:33: intent faq.one: {firm.nope} is not a setting in config/firm.yaml',
    );
    expect(messages).toContain('intents:0: required intent faq.three is missing');
  });
});

describe('firm templates', () => {
  it('fills known settings and leaves unknown placeholders visible', () => {
    expect(
      renderTemplate('请拨打{firm.hotline}或登录{firm.appName}', {
        hotline: '95000',
        appName: 'APP',
      }),
    ).toBe('请拨打95000或登录APP');
    expect(renderTemplate('{firm.unknown}', {})).toBe('{firm.unknown}');
    expect(placeholdersIn('{firm.a} 和 {firm.b_c}')).toEqual(['a', 'b_c']);
  });
});

describe('shipped content', () => {
  it('defines every taxonomy intent with its exact id', () => {
    const content = loadContent({ rootDir: root });
    const ids = new Set(content.intents.map((i) => i.id));
    for (const id of REQUIRED_INTENTS) expect(ids.has(id), id).toBe(true);
  });

  // test/fixtures/taxonomy.yaml is a copy of the shared taxonomy, so the check runs in every
  // checkout; where the shared file sits beside the project, the copy must still equal it.
  const vendored = join(root, 'test', 'fixtures', 'taxonomy.yaml');
  const shared = join(root, '..', 'shared', 'nlu', 'taxonomy.yaml');

  it('keeps the embedded taxonomy list equal to the taxonomy', () => {
    const taxonomy = parse(readFileSync(vendored, 'utf8')) as { intents: { id: string }[] };
    expect(taxonomy.intents.length).toBeGreaterThan(0);
    expect([...REQUIRED_INTENTS].sort()).toEqual(taxonomy.intents.map((i) => i.id).sort());
  });

  it.skipIf(!existsSync(shared))('keeps the vendored taxonomy equal to the shared one', () => {
    expect(readFileSync(vendored, 'utf8')).toBe(readFileSync(shared, 'utf8'));
  });
});
