// The loader reports broken dialog files as file:line: message, and lint finds bad references.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintDialogs, loadDialogs, parseDialogFile } from '../../src/dialog/loader.ts';
import type { ContentIssue } from '../../src/content/types.ts';

function parse(text: string): { issues: ContentIssue[]; ids: string[] } {
  const issues: ContentIssue[] = [];
  const dialogs = parseDialogFile(text, 'dialogs/x.yaml', issues);
  return { issues, ids: dialogs.map((d) => d.id) };
}

const lines = (issues: ContentIssue[]): string[] =>
  issues.map((i) => `${i.file}:${i.line}: ${i.message}`);

describe('loadDialogs', () => {
  it('loads the shipped dialogs without issues and they pass lint against the intents', async () => {
    const root = join(import.meta.dirname, '..', '..');
    const { dialogs, issues } = loadDialogs(join(root, 'dialogs'), root);
    expect(lines(issues)).toEqual([]);
    for (const id of [
      'complaint',
      'fallback',
      'human_handoff',
      'satisfaction_survey',
      'unresolved',
      'order_failure',
      'advice_decline',
    ]) {
      expect(dialogs.has(id), id).toBe(true);
    }
    const { loadContent } = await import('../../src/content/load.ts');
    const content = loadContent({ rootDir: root });
    expect(
      lines(
        lintDialogs(
          dialogs,
          content.intents.map((i) => i.id),
          { firm: content.firm },
        ),
      ),
    ).toEqual([]);
  });

  it('reports YAML syntax errors with the line', () => {
    const { issues, ids } = parse('id: a\ntitle: 标题\nnodes:\n  x: [unclosed\n');
    expect(ids).toEqual([]);
    expect(issues[0]?.file).toBe('dialogs/x.yaml');
    expect(issues[0]?.line).toBeGreaterThanOrEqual(4);
  });

  it('reports an unknown node kind, a bad slot type and an unknown key at their lines', () => {
    const text = [
      'id: a', // 1
      'title: 测试', // 2
      'start: s', // 3
      'nodes:', // 4
      '  s:', // 5
      '    kind: shout', // 6
      '  q:', // 7
      '    kind: ask', // 8
      '    slot: p', // 9
      '    type: telephone', // 10
      '    prompt: 电话？', // 11
      '    onFail: s', // 12
      '    next: s', // 13
      '    colour: red', // 14
    ].join('\n');
    const { issues, ids } = parse(text);
    expect(ids).toEqual([]);
    expect(lines(issues)).toEqual([
      expect.stringMatching(/^dialogs\/x\.yaml:6: dialog a node s: kind must be one of/),
      expect.stringMatching(/^dialogs\/x\.yaml:14: dialog a node q: unknown key "colour"/),
      expect.stringMatching(
        /^dialogs\/x\.yaml:10: dialog a node q: type must be one of text, name, phone/,
      ),
    ]);
  });

  it('accepts a known board in a condition and reports an unknown one at its line', () => {
    const text = [
      'id: a', // 1
      'title: 测试', // 2
      'start: s', // 3
      'nodes:', // 4
      '  s:', // 5
      '    kind: branch', // 6
      '    cases:', // 7
      '      - when: { board: star }', // 8
      '        next: e', // 9
      '      - when: { board: nasdaq }', // 10
      '        next: e', // 11
      '    default: e', // 12
      '  e: { kind: end, text: 好的 }', // 13
    ].join('\n');
    const found = lines(parse(text).issues);
    expect(found).toContainEqual(
      expect.stringMatching(
        /^dialogs\/x\.yaml:10: .*when\.board must be one of star, chinext, bse, hk, main/,
      ),
    );
    // Only the unknown board is a problem; `board: star` on line 8 is fine.
    expect(found.every((l) => l.startsWith('dialogs/x.yaml:10:'))).toBe(true);
  });

  it('reports a missing required field and a start node that does not exist', () => {
    const { issues } = parse(
      'id: a\ntitle: t\nstart: nowhere\nnodes:\n  q:\n    kind: ask\n    slot: p\n    type: phone\n    prompt: 电话？\n    next: q\n',
    );
    expect(lines(issues)).toEqual([
      'dialogs/x.yaml:6: dialog a node q: missing "onFail"',
      'dialogs/x.yaml:3: dialog a: start node "nowhere" does not exist',
    ]);
  });

  it('reports a dialog defined twice across files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dialogs-'));
    const body = 'id: same\ntitle: t\nstart: s\nnodes:\n  s: { kind: end }\n';
    writeFileSync(join(dir, 'a.yaml'), body);
    writeFileSync(join(dir, 'b.yaml'), body);
    const { issues } = loadDialogs(dir, dir);
    expect(lines(issues)).toEqual(['b.yaml:1: dialog same is defined twice (also a.yaml:1)']);
  });
});

describe('re-asking in other words', () => {
  it('accepts `reask` on questions, as one text or variants, and lints its placeholders', () => {
    const issues: ContentIssue[] = [];
    const text = [
      'id: a',
      'title: t',
      'start: ask',
      'nodes:',
      '  ask:',
      '    kind: ask',
      '    slot: name',
      '    type: name',
      '    prompt: 请问您的姓名是？',
      '    reask: [请问您本人怎么称呼？, "{slot.nmae}还是其他称呼？"]',
      '    onFail: done',
      '    next: pick',
      '  pick:',
      '    kind: choice',
      '    prompt: 请选一项？',
      '    reask: 选哪一项呢？',
      '    options: [甲, 乙]',
      '    onFail: done',
      '    next: done',
      '  done: { kind: end }',
    ].join('\n');
    const [dialog] = parseDialogFile(text, 'dialogs/a.yaml', issues);
    expect(issues).toEqual([]);
    expect(dialog?.nodes.ask).toMatchObject({
      reask: ['请问您本人怎么称呼？', '{slot.nmae}还是其他称呼？'],
    });
    expect(dialog?.nodes.pick).toMatchObject({ reask: ['选哪一项呢？'] });
    const found = lintDialogs(new Map([[dialog!.id, dialog!]]), []);
    expect(lines(found)).toEqual([
      'dialogs/a.yaml:6: dialog a: node ask: no question of this dialog fills slot "nmae"',
    ]);
  });

  it('warns when a question does not read as one (no ？ at its end)', () => {
    const text = [
      'id: a',
      'title: t',
      'start: ask',
      'nodes:',
      '  ask:',
      '    kind: ask',
      '    slot: name',
      '    type: name',
      '    prompt: 请告诉我您的姓名。',
      '    reprompt: 没能识别，请问您的姓名是？（例如张三）',
      '    reask: 姓名',
      '    onFail: done',
      '    next: done',
      '  done: { kind: end }',
    ].join('\n');
    const dialogs = parseDialogFile(text, 'dialogs/a.yaml', []);
    const found = lintDialogs(new Map(dialogs.map((d) => [d.id, d])), []);
    expect(found.every((i) => i.severity === 'warning')).toBe(true);
    expect(lines(found)).toEqual([
      'dialogs/a.yaml:6: dialog a: node ask: "…请告诉我您的姓名。" should end with a question (？)',
      'dialogs/a.yaml:6: dialog a: node ask: "…姓名" should end with a question (？)',
    ]);
  });
});

describe('lintDialogs', () => {
  it('finds unknown nodes, unknown intents, unreachable nodes and unknown firm settings', () => {
    const issues: ContentIssue[] = [];
    const text = [
      'id: a', // 1
      'title: t', // 2
      'start: s', // 3
      'nodes:', // 4
      '  s:', // 5
      '    kind: say', // 6
      '    text: 请拨打{firm.nope}', // 7
      '    next: missing', // 8
      '  lonely:', // 9
      '    kind: answer', // 10
      '    intent: faq.unknown', // 11
    ].join('\n');
    const dialogs = parseDialogFile(text, 'dialogs/a.yaml', issues);
    expect(issues).toEqual([]);
    const found = lintDialogs(new Map(dialogs.map((d) => [d.id, d])), ['faq.known'], {
      firm: { hotline: '1' },
      requiredDialogs: ['fallback'],
    });
    expect(lines(found)).toEqual([
      'dialogs/a.yaml:6: dialog a: node s points to unknown node "missing"',
      'dialogs/a.yaml:6: dialog a: node s: {firm.nope} is not a setting in config/firm.yaml',
      'dialogs/a.yaml:10: dialog a: node lonely answers unknown intent "faq.unknown"',
      // Not also "lonely can never be reached": the mistyped next may have meant it.
      'dialogs:0: required dialog fallback is missing',
    ]);
    const fixed = parseDialogFile(text.replace('next: missing', 'next: s'), 'dialogs/a.yaml', []);
    expect(lines(lintDialogs(new Map(fixed.map((d) => [d.id, d])), ['faq.unknown']))).toEqual([
      'dialogs/a.yaml:10: dialog a: node lonely can never be reached from start "s"',
    ]);
  });
});
