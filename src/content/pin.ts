// Puts every content issue on the exact line and column an editor must change: YAML syntax errors
// at the character that broke the parse (an unclosed quote where it opens, not past the end of the
// file), and cross-file findings (an unknown id, a `{firm.KEY}`) on the text itself rather than on
// the node that holds it. Also the "did you mean" of unknown names.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Parser, type LineCounter, type YAMLError } from 'yaml';
import type { ContentIssue, SourcePosition } from './types.ts';

/** Position of an offset in a parsed file (1-based line and column). */
export function positionOf(lineCounter: LineCounter, offset: number): SourcePosition {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/**
 * The one issue a file that does not parse gets. The yaml parser reports knock-on errors after
 * the first; they disappear with it, so only the first is shown. An unclosed quote is reported
 * where the quote opens.
 */
export function syntaxIssue(
  text: string,
  file: string,
  lineCounter: LineCounter,
  error: YAMLError,
): ContentIssue {
  const unclosed = /^Missing closing (["'])quote/.exec(error.message);
  if (error.code === 'MISSING_CHAR' && unclosed) {
    const quote = unclosed[1] as string;
    const opening = unclosedQuoteOffset(text, quote);
    if (opening !== null)
      return {
        file,
        ...positionOf(lineCounter, opening),
        message: `this ${quote} quote is never closed, so everything after it is read as one text`,
        suggestion: `close it with ${quote} on the same line, or remove the quote (Chinese text needs no quotes)`,
        severity: 'error',
        code: 'syntax',
      };
  }
  const firstLine = error.message.split('\n')[0] ?? error.message;
  const message = firstLine.replace(/ at line \d+, column \d+:?$/, '');
  const indentation = ['BLOCK_AS_IMPLICIT_KEY', 'BAD_INDENT', 'MULTILINE_IMPLICIT_KEY'].includes(
    error.code,
  );
  return {
    file,
    ...positionOf(lineCounter, Math.min(error.pos[0], Math.max(0, text.length - 1))),
    message: `YAML syntax: ${message}`,
    ...(indentation
      ? {
          suggestion:
            'check the indentation of this line: list items (- ...) line up under each other, two spaces deeper than their key',
        }
      : {}),
    severity: 'error',
    code: 'syntax',
  };
}

/** Offset of the quoted scalar that runs to the end of the file without its closing quote. */
function unclosedQuoteOffset(text: string, quote: string): number | null {
  const type = quote === '"' ? 'double-quoted-scalar' : 'single-quoted-scalar';
  let found: number | null = null;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const token = value as { type?: unknown; offset?: unknown; source?: unknown };
    if (
      token.type === type &&
      typeof token.offset === 'number' &&
      typeof token.source === 'string' &&
      !closes(token.source, quote)
    )
      found = token.offset;
    for (const child of Object.values(value)) visit(child);
  };
  for (const token of new Parser().parse(text)) visit(token);
  return found;
}

function closes(token: string, quote: string): boolean {
  const body = token.trimEnd();
  if (body.length < 2 || !body.endsWith(quote)) return false;
  if (quote === "'") return true;
  // A double quote escaped with a backslash does not close the string.
  let backslashes = 0;
  for (let i = body.length - 2; i >= 0 && body[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 0;
}

/**
 * Moves issues that name their offending text (`subject`) onto where that text is written: the
 * first occurrence at or after the line of the node that holds it. Files are read once each.
 */
export function pinIssues(issues: readonly ContentIssue[], rootDir: string): ContentIssue[] {
  const files = new Map<string, string[] | null>();
  const linesOf = (file: string): string[] | null => {
    if (!files.has(file)) {
      const path = isAbsolute(file) ? file : join(rootDir, file);
      files.set(file, existsSync(path) ? readFileSync(path, 'utf8').split('\n') : null);
    }
    return files.get(file) ?? null;
  };
  return issues.map((issue) => {
    if (!issue.subject || issue.line < 1) return issue;
    const lines = linesOf(issue.file);
    if (!lines) return issue;
    for (let i = issue.line - 1; i < lines.length; i++) {
      const column = wordIndex(lines[i] ?? '', issue.subject);
      if (column >= 0) return { ...issue, line: i + 1, column: column + 1 };
    }
    return issue;
  });
}

const NAME_CHAR = /[A-Za-z0-9_]/;

/** Where a name stands on its own in a line (node s, not the s inside "steps"); -1 if nowhere. */
function wordIndex(line: string, subject: string): number {
  const bounded = NAME_CHAR.test(subject[0] ?? '') && NAME_CHAR.test(subject.at(-1) ?? '');
  for (let from = 0; ;) {
    const at = line.indexOf(subject, from);
    if (at < 0 || !bounded) return at;
    const before = line[at - 1] ?? ' ';
    const after = line[at + subject.length] ?? ' ';
    if (!NAME_CHAR.test(before) && !NAME_CHAR.test(after)) return at;
    from = at + 1;
  }
}

/** Levenshtein distance, for "did you mean" (ids are short; quadratic is fine). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The known name closest to an unknown one, when it is close enough to be a slip (a third of
 * its length, at least two edits; case differences count as none).
 */
export function closestName(unknown: string, known: Iterable<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  const wanted = unknown.toLowerCase();
  for (const name of known) {
    const distance = editDistance(wanted, name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  if (!best || best.name === unknown) return undefined;
  const allowed = Math.max(2, Math.floor(unknown.length / 3));
  return best.distance <= allowed ? best.name : undefined;
}

/** "did you mean X?" when a known name is close, for an issue's suggestion. */
export function didYouMean(
  unknown: string,
  known: Iterable<string>,
  render: (name: string) => string = (name) => name,
): { suggestion: string } | Record<string, never> {
  const name = closestName(unknown, known);
  return name ? { suggestion: `did you mean ${render(name)}?` } : {};
}
