// A throw-away copy of the shipped content (intents/, dialogs/, knowledge/, config/) that a test
// may edit as a content editor would, without touching the project's own files.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const projectRoot = join(import.meta.dirname, '..', '..');
export const CONTENT_FOLDERS = ['intents', 'dialogs', 'knowledge', 'config'] as const;

export interface ContentCopy {
  dir: string;
  /** Writes (or replaces) a file under the copy, e.g. write('intents/repo.yaml', text). */
  write(path: string, text: string): void;
  remove(): void;
}

export function copyShippedContent(): ContentCopy {
  const dir = mkdtempSync(join(tmpdir(), 'csbot-content-'));
  for (const folder of CONTENT_FOLDERS)
    cpSync(join(projectRoot, folder), join(dir, folder), { recursive: true });
  return {
    dir,
    write: (path, text) => writeFileSync(join(dir, path), text),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A new topic as an editor would add it: one standard question with its 相似问 and an answer. */
export function newTopicYaml(options: {
  id: string;
  title: string;
  questionId: string;
  question: string;
  similar: readonly string[];
  answer: string;
}): string {
  return [
    'intents:',
    `  - id: ${options.id}`,
    `    title: ${options.title}`,
    `    answer: ${options.answer}`,
    '    examples: []',
    '    questions:',
    `      - id: ${options.questionId}`,
    `        q: ${options.question}`,
    '        similar:',
    ...options.similar.map((s) => `          - ${s}`),
    `        answer: ${options.answer}`,
    '',
  ].join('\n');
}

export const REVERSE_REPO_TOPIC = {
  id: 'faq.reverse_repo',
  title: '国债逆回购',
  questionId: 'repo.how_to',
  question: '国债逆回购怎么操作？',
  similar: [
    '逆回购在哪里买',
    '怎么做国债逆回购',
    '逆回购怎么下单',
    '闲钱放逆回购怎么弄',
    '国债逆回购一天期怎么买',
    '逆回购的入口在哪',
    '想做逆回购该点哪里',
    '手机上怎么买逆回购',
    '国债逆回购最少买多少',
    '逆回购到期钱什么时候回来',
  ],
  answer:
    '国债逆回购可在{firm.appName}交易页面选择「国债逆回购」，按天期下单，到期本息自动返还，以本公司规定为准。',
} as const;
