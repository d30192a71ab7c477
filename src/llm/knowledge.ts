// Loads the Markdown documents content teams keep in knowledge/ and splits them by heading into
// passages the retriever ranks. A document is its `# title` and `##`/`###` sections; reviewer
// marks (【官方-转引】, [S12], HTML comments) stay in the file but not in what the model reads, and
// {firm.KEY} placeholders are filled from config/firm.yaml like every other answer.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { renderTemplate } from '../content/render.ts';
import type { ContentIssue, FirmSettings } from '../content/types.ts';

export interface KnowledgePassage {
  /** `file#n`, stable while the file is unchanged. */
  id: string;
  /** Path relative to the content folder, with forward slashes. */
  file: string;
  /** 1-based line of the section heading (or of the title for the introduction). */
  line: number;
  title: string;
  /** Heading path inside the document, e.g. "交易时间 › 集合竞价"; the title for the introduction. */
  section: string;
  /** What the model reads: cleaned Markdown body without the heading. */
  text: string;
}

export interface KnowledgeBase {
  documents: { file: string; title: string }[];
  passages: KnowledgePassage[];
  issues: ContentIssue[];
}

// Sections for reviewers, not for answers.
const REVIEW_SECTION = /^(来源|来源清单|参考资料|参考|依据来源|修订记录|sources?|references?)$/i;
// One passage stays small enough that three of them fit a short prompt.
const MAX_PASSAGE_CHARS = 900;

/** Every Markdown file under `dir` (README.md excepted), in a stable order. */
function markdownFiles(dir: string): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...markdownFiles(path));
    else if (/\.md$/i.test(name) && !/^readme\.md$/i.test(name)) out.push(path);
  }
  return out;
}

/** Reviewer marks, emphasis and comments out; placeholders filled; blank runs collapsed. */
export function cleanPassageText(markdown: string, firm: FirmSettings): string {
  return renderTemplate(markdown, firm)
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/【[^】\n]*】/g, '')
    .replace(/\s*\[S\d+[a-z]?\](?:\[S\d+[a-z]?\])*/g, '')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Splits a long body at paragraph breaks so no passage exceeds MAX_PASSAGE_CHARS. */
function chunks(body: string): string[] {
  if (body.length <= MAX_PASSAGE_CHARS) return [body];
  const out: string[] = [];
  let current = '';
  // Units are paragraphs and top-level list items; nested items stay with their parent.
  for (const unit of body.split(/\n{2,}|\n(?=[-*] |\d+[.、] )/)) {
    if (current && current.length + unit.length + 1 > MAX_PASSAGE_CHARS) {
      out.push(current.trim());
      current = '';
    }
    current += `${unit}\n`;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

export function parseKnowledgeDocument(
  markdown: string,
  file: string,
  firm: FirmSettings,
): { title: string | null; passages: KnowledgePassage[]; issues: ContentIssue[] } {
  const lines = markdown.split(/\r?\n/);
  const issues: ContentIssue[] = [];
  let title: string | null = null;
  let titleLine = 1;
  const sections: { path: string[]; line: number; body: string[] }[] = [];
  let current: { path: string[]; line: number; body: string[] } | null = null;
  let h2 = '';
  let inFence = false;
  lines.forEach((raw, i) => {
    if (/^\s*(```|~~~)/.test(raw)) inFence = !inFence;
    const heading = inFence ? null : /^(#{1,3})\s+(.+?)\s*#*\s*$/.exec(raw);
    if (!heading) {
      if (current) current.body.push(raw);
      else if (title !== null) {
        current = { path: [], line: titleLine, body: [raw] };
        sections.push(current);
      }
      return;
    }
    const level = (heading[1] ?? '').length;
    const text = heading[2] ?? '';
    if (level === 1) {
      if (title !== null) {
        issues.push({
          file,
          line: i + 1,
          message: 'a document has one # title',
          severity: 'error',
        });
        return;
      }
      title = text;
      titleLine = i + 1;
      current = null;
      return;
    }
    if (title === null) {
      issues.push({ file, line: i + 1, message: 'the # title must come first', severity: 'error' });
      return;
    }
    if (level === 2) h2 = text;
    current = { path: level === 2 ? [text] : [h2, text].filter(Boolean), line: i + 1, body: [] };
    sections.push(current);
  });
  if (title === null) {
    issues.push({ file, line: 1, message: 'document has no # title', severity: 'error' });
    return { title: null, passages: [], issues };
  }
  const passages: KnowledgePassage[] = [];
  for (const section of sections) {
    if (section.path.some((p) => REVIEW_SECTION.test(p.trim()))) continue;
    const body = cleanPassageText(section.body.join('\n'), firm);
    if (!body) continue;
    for (const piece of chunks(body)) {
      passages.push({
        id: `${file}#${passages.length + 1}`,
        file,
        line: section.line,
        title,
        section: section.path.length > 0 ? section.path.join(' › ') : title,
        text: piece,
      });
    }
  }
  if (passages.length === 0)
    issues.push({
      file,
      line: titleLine,
      message: 'document has no text to answer from',
      severity: 'warning',
    });
  return { title, passages, issues };
}

/** Reads `<rootDir>/knowledge` (or `dir`); a missing folder is an empty knowledge base. */
export function loadKnowledge(options: {
  rootDir: string;
  dir?: string;
  firm: FirmSettings;
}): KnowledgeBase {
  const dir = options.dir ?? join(options.rootDir, 'knowledge');
  const base: KnowledgeBase = { documents: [], passages: [], issues: [] };
  for (const path of markdownFiles(dir)) {
    const file = relative(options.rootDir, path).split(sep).join('/');
    const parsed = parseKnowledgeDocument(readFileSync(path, 'utf8'), file, options.firm);
    base.issues.push(...parsed.issues);
    if (parsed.title === null) continue;
    base.documents.push({ file, title: parsed.title });
    base.passages.push(...parsed.passages);
  }
  return base;
}
