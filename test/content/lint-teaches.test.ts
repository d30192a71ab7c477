// Lint that teaches: each finding on the exact line and column of the text at fault, one error for
// one syntax mistake, "did you mean" for slips, warnings on thin or repetitive phrasings, --json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { collectContentIssues, runLint, type LintFinding } from '../../src/cli/lint.ts';
import type { ContentIssue } from '../../src/content/types.ts';
import { copyShippedContent, type ContentCopy } from '../support/content-copy.ts';

let copy: ContentCopy | undefined;
afterEach(() => copy?.remove());

function edited(path: string, edit: (text: string) => string): ContentCopy {
  copy = copyShippedContent();
  const text = readFileSync(join(copy.dir, path), 'utf8');
  const next = edit(text);
  expect(next).not.toBe(text);
  copy.write(path, next);
  return copy;
}

/** 1-based line and column of the first occurrence of `needle` in a file of the copy. */
function whereIs(
  dir: string,
  path: string,
  needle: string,
  from = 0,
): { line: number; column: number } {
  const lines = readFileSync(join(dir, path), 'utf8').split('\n');
  for (let i = from; i < lines.length; i++) {
    const column = (lines[i] ?? '').indexOf(needle);
    if (column >= 0) return { line: i + 1, column: column + 1 };
  }
  throw new Error(`${needle} not in ${path}`);
}

const errorsOf = (issues: ContentIssue[]) => issues.filter((i) => i.severity === 'error');

const SMALL_TOPIC = (similar: string[], extra = '') =>
  [
    'intents:',
    '  - id: faq.reverse_repo',
    '    title: 国债逆回购',
    '    answer: 国债逆回购可在{firm.appName}交易页面下单，以本公司规定为准。',
    '    examples: []',
    extra,
    '    questions:',
    '      - id: repo.how_to',
    '        q: 国债逆回购怎么操作？',
    '        similar:',
    ...similar.map((s) => `          - ${s}`),
    '        answer: 国债逆回购可在{firm.appName}交易页面下单，以本公司规定为准。',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n') + '\n';

describe('csbot lint, line and column', () => {
  it('puts a duplicate example on its own line and column, not on the intent', () => {
    const dir = edited('intents/account.yaml', (t) =>
      t.replace('      - 开户咨询\n', '      - 开户咨询\n      - 怎么开户\n'),
    ).dir;
    const issue = collectContentIssues(dir).find((i) =>
      i.message.includes('duplicate example "怎么开户"'),
    );
    const line = whereIs(dir, 'intents/account.yaml', '      - 开户咨询').line + 1;
    expect(issue).toMatchObject({ file: 'intents/account.yaml', line, column: 9 });
  });

  it('reports one bad indentation once, with no knock-on errors', () => {
    const dir = edited('intents/account.yaml', (t) =>
      t.replace('      - 开户咨询\n', '     - 开户咨询\n'),
    ).dir;
    const errors = errorsOf(collectContentIssues(dir));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      file: 'intents/account.yaml',
      line: whereIs(dir, 'intents/account.yaml', '     - 开户咨询').line,
      code: 'syntax',
    });
    expect(errors[0]?.suggestion).toContain('indentation');
  });

  it('reports an unclosed quote where it opens, not past the end of the file', () => {
    const dir = edited('intents/account.yaml', (t) =>
      t.replace('    title: 开户\n', '    title: "开户\n'),
    ).dir;
    const errors = errorsOf(collectContentIssues(dir));
    expect(errors).toEqual([
      expect.objectContaining({
        file: 'intents/account.yaml',
        ...whereIs(dir, 'intents/account.yaml', '"开户'),
        message: expect.stringContaining('quote is never closed'),
      }),
    ]);
  });

  it('skips the dialogs check that depends on a dialog file that does not parse', () => {
    const dir = edited('dialogs/leave_message.yaml', (t) =>
      t.replace('  ask_phone:\n', '  ask_phone\n'),
    ).dir;
    const errors = errorsOf(collectContentIssues(dir));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.file).toBe('dialogs/leave_message.yaml');
  });
});

describe('csbot lint, did you mean', () => {
  it('suggests the intent id a quick reply nearly names', () => {
    const dir = edited('intents/account.yaml', (t) =>
      t.replace(
        '    quickReplies:\n',
        '    quickReplies:\n      - label: 两融\n        intent: faq.permision_margin\n',
      ),
    ).dir;
    const issue = collectContentIssues(dir).find((i) => i.message.includes('faq.permision_margin'));
    expect(issue).toMatchObject({
      ...whereIs(dir, 'intents/account.yaml', 'faq.permision_margin'),
      severity: 'error',
      suggestion: 'did you mean faq.permission_margin?',
    });
  });

  it('suggests the firm setting a {firm.KEY} nearly names, on the line it is written', () => {
    const dir = edited('intents/account.yaml', (t) =>
      t.replace('{firm.appName}', '{firm.appNmae}'),
    ).dir;
    const issue = collectContentIssues(dir).find((i) => i.message.includes('{firm.appNmae}'));
    expect(issue).toMatchObject({
      ...whereIs(dir, 'intents/account.yaml', '{firm.appNmae}'),
      suggestion: 'did you mean {firm.appName}?',
    });
  });

  it('suggests the dialog node and the slot a dialog nearly names', () => {
    const dir = edited('dialogs/leave_message.yaml', (t) =>
      t
        .replace('    next: ask_phone\n', '    next: ask_phnoe\n')
        .replace('{slot.description', '{slot.descripton'),
    ).dir;
    const issues = collectContentIssues(dir);
    expect(issues.find((i) => i.message.includes('"ask_phnoe"'))).toMatchObject({
      ...whereIs(dir, 'dialogs/leave_message.yaml', 'ask_phnoe'),
      suggestion: 'did you mean ask_phone?',
    });
    expect(issues.find((i) => i.message.includes('"descripton"'))).toMatchObject({
      ...whereIs(dir, 'dialogs/leave_message.yaml', 'descripton'),
      suggestion: 'did you mean description?',
    });
  });
});

describe('csbot lint, phrasing warnings', () => {
  it('warns of an intent with too few and too similar phrasings, without failing lint', () => {
    copy = copyShippedContent();
    copy.write('intents/reverse_repo.yaml', SMALL_TOPIC(['逆回购怎么买', '逆回购怎么买呢']));
    const issues = collectContentIssues(copy.dir).filter(
      (i) => i.file === 'intents/reverse_repo.yaml',
    );
    expect(errorsOf(issues)).toEqual([]);
    expect(issues.find((i) => i.message.includes('says the same as'))).toMatchObject({
      severity: 'warning',
      ...whereIs(copy.dir, 'intents/reverse_repo.yaml', '逆回购怎么买呢'),
    });
    expect(issues.find((i) => i.message.includes('different phrasing(s)'))?.message).toContain(
      'faq.reverse_repo has 2 different phrasing(s); the accuracy gate needs at least 10',
    );
  });

  it('warns of a phrasing nearly the same as one of another intent', () => {
    copy = copyShippedContent();
    copy.write('intents/reverse_repo.yaml', SMALL_TOPIC(['逆回购在哪里买', '请问怎么开户呢']));
    const issue = collectContentIssues(copy.dir).find((i) =>
      i.message.includes(
        '"请问怎么开户呢" of faq.reverse_repo is nearly the same as "怎么开户" of faq.account_open',
      ),
    );
    expect(issue).toMatchObject({
      severity: 'warning',
      ...whereIs(copy.dir, 'intents/reverse_repo.yaml', '请问怎么开户呢'),
    });
  });
});

describe('csbot lint --json', () => {
  it('prints [{file,line,column,severity,message,suggestion?}] and exits 1 on errors', () => {
    const dir = edited('intents/account.yaml', (t) =>
      t.replace('{firm.appName}', '{firm.appNmae}'),
    ).dir;
    let text = '';
    const out = new Writable({
      write(chunk, _enc, done) {
        text += String(chunk);
        done();
      },
    });
    expect(runLint({ rootDir: dir, out, json: true })).toBe(1);
    const findings = JSON.parse(text) as LintFinding[];
    expect(findings).toContainEqual({
      file: 'intents/account.yaml',
      ...whereIs(dir, 'intents/account.yaml', '{firm.appNmae}'),
      severity: 'error',
      message: expect.stringContaining('{firm.appNmae} is not a setting'),
      suggestion: 'did you mean {firm.appName}?',
    });
    for (const f of findings)
      expect(Object.keys(f).sort()).toEqual(
        expect.arrayContaining(['column', 'file', 'line', 'message', 'severity']),
      );
  });
});
