// `csbot lint`: every problem in intents/, dialogs/ and the firm settings, as file:line: message,
// with the offending line, a caret under the column and what to do; `--json` for editors.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkContent } from '../content/check.ts';
import { loadContent } from '../content/load.ts';
import { formatIssue } from '../content/lint.ts';
import type { ContentIssue } from '../content/types.ts';
import { loadDialogs } from '../dialog/loader.ts';

export function collectContentIssues(rootDir: string): ContentIssue[] {
  const content = loadContent({ rootDir });
  const dialogs = loadDialogs(join(rootDir, 'dialogs'), rootDir);
  return checkContent({ content, dialogs, rootDir });
}

/** One finding as editors and CI annotations read it. */
export interface LintFinding {
  file: string;
  line: number;
  column: number;
  severity: 'error' | 'warning';
  message: string;
  suggestion?: string;
}

export function lintFindings(issues: readonly ContentIssue[]): LintFinding[] {
  return issues.map((i) => ({
    file: i.file,
    line: i.line,
    column: i.column ?? (i.line > 0 ? 1 : 0),
    severity: i.severity,
    message: i.message,
    ...(i.suggestion ? { suggestion: i.suggestion } : {}),
  }));
}

export function runLint(options: {
  rootDir: string;
  out: NodeJS.WritableStream;
  json?: boolean;
}): number {
  const issues = collectContentIssues(options.rootDir);
  const errors = issues.filter((i) => i.severity === 'error');
  if (options.json) {
    options.out.write(`${JSON.stringify(lintFindings(issues), null, 2)}\n`);
    return errors.length === 0 ? 0 : 1;
  }
  const excerpt = sourceExcerpts(options.rootDir);
  // Errors first: they are what stops the bot; warnings are advice.
  for (const issue of [...errors, ...issues.filter((i) => i.severity === 'warning')]) {
    options.out.write(`${formatIssue(issue)}\n`);
    options.out.write(excerpt(issue));
    if (issue.suggestion) options.out.write(`    → ${issue.suggestion}\n`);
  }
  options.out.write(
    errors.length === 0
      ? `ok: intents/ and dialogs/ are valid${issues.length ? ` (${issues.length} warnings)` : ''}\n`
      : `${errors.length} error(s), ${issues.length - errors.length} warning(s)\n`,
  );
  return errors.length === 0 ? 0 : 1;
}

/** The line at fault with a caret under the column, like a compiler shows it. */
function sourceExcerpts(rootDir: string): (issue: ContentIssue) => string {
  const files = new Map<string, string[]>();
  return (issue) => {
    if (issue.line < 1) return '';
    let lines = files.get(issue.file);
    if (!lines) {
      const path = join(rootDir, issue.file);
      lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n') : [];
      files.set(issue.file, lines);
    }
    const text = lines[issue.line - 1];
    if (text === undefined) return '';
    const column = issue.column ?? 1;
    // Chinese characters take two terminal columns: pad the caret to match.
    const before = [...text.slice(0, column - 1)]
      .map((c) => (/[\u1100-\uffff]/u.test(c) ? '  ' : ' '))
      .join('');
    return `    ${text}\n    ${before}^\n`;
  };
}
