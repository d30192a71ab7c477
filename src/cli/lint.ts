// `csbot lint`: every problem in intents/, dialogs/ and the firm settings, as file:line: message.
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

export function runLint(options: { rootDir: string; out: NodeJS.WritableStream }): number {
  const issues = collectContentIssues(options.rootDir);
  const errors = issues.filter((i) => i.severity === 'error');
  for (const issue of issues) options.out.write(`${formatIssue(issue)}\n`);
  options.out.write(
    errors.length === 0
      ? `ok: intents/ and dialogs/ are valid${issues.length ? ` (${issues.length} warnings)` : ''}\n`
      : `${errors.length} error(s), ${issues.length - errors.length} warning(s)\n`,
  );
  return errors.length === 0 ? 0 : 1;
}
