// The YAML a content editor pastes into intents/ for one group of missed messages: the group's
// phrasings as 相似问 under the standard question the classifier leaned to, or as examples of the
// likely topic when it named no question. Phrasings intents/ already holds anywhere are left out,
// so the pasted lines never clash (csbot lint rejects a phrasing that belongs to two places).
import { stringify } from 'yaml';
import type { IntentDefinition } from '../content/types.ts';

/** Where the snippet goes: the lines go right below `examples:` or the question's `similar:`. */
export interface SnippetTarget {
  /** The file under the content root, e.g. intents/account.yaml. */
  file: string;
  intent: string;
  /** The standard question whose `similar:` takes the lines; absent: the topic's `examples:`. */
  question?: string;
  under: 'examples' | 'similar';
}

export interface MissedSnippet {
  target: SnippetTarget;
  /** New phrasings, in the order of the lines. */
  phrasings: string[];
  /** A comment saying where it goes, then one `- phrasing` line each, indented as in intents/. */
  yaml: string;
}

export interface SnippetContent {
  /** The loaded intents (their source files are named relative to the content root). */
  intents: readonly IntentDefinition[];
}

/** Indentation of the list items in intents/*.yaml (docs/content-format.md). */
const EXAMPLE_INDENT = ' '.repeat(6);
const SIMILAR_INDENT = ' '.repeat(10);

/** Every phrasing intents/ holds (examples, standard questions, 相似问), as the classifier reads them. */
export function knownPhrasings(
  intents: readonly IntentDefinition[],
  normalize: (text: string) => string,
): Set<string> {
  const known = new Set<string>();
  for (const intent of intents) {
    for (const e of intent.examples) known.add(normalize(e));
    for (const q of intent.questions) {
      known.add(normalize(q.question));
      for (const s of q.similar) known.add(normalize(s));
    }
  }
  return known;
}

function yamlScalar(text: string): string {
  // One line, quoted by the YAML library when it has to be (a colon, a leading dash, #...).
  return stringify(text.replace(/\s+/g, ' ').trim(), { lineWidth: 0 }).trimEnd();
}

/**
 * The snippet for phrasings of a group, or null when the topic is unknown or every phrasing is
 * already in intents/.
 */
export function buildSnippet(
  texts: readonly string[],
  likely: { topic: string | null; question?: string },
  content: SnippetContent,
  normalize: (text: string) => string,
  known: ReadonlySet<string> = knownPhrasings(content.intents, normalize),
): MissedSnippet | null {
  const intent = content.intents.find((i) => i.id === likely.topic);
  if (!intent) return null;
  const question = intent.questions.find((q) => q.id === likely.question);
  const seen = new Set<string>();
  const phrasings: string[] = [];
  for (const text of texts) {
    const clean = text.replace(/\s+/g, ' ').trim();
    const key = normalize(clean);
    if (!key || known.has(key) || seen.has(key)) continue;
    seen.add(key);
    phrasings.push(clean);
  }
  if (phrasings.length === 0) return null;
  const file = intent.source.file;
  const target: SnippetTarget = question
    ? { file, intent: intent.id, question: question.id, under: 'similar' }
    : { file, intent: intent.id, under: 'examples' };
  const where = question
    ? `${file} · ${intent.id} · 标准问 ${question.id}「${question.question}」: paste below its similar: (相似问)`
    : `${file} · ${intent.id}（${intent.title}）: paste below its examples:`;
  const indent = question ? SIMILAR_INDENT : EXAMPLE_INDENT;
  const yaml = [`# ${where}`, ...phrasings.map((p) => `${indent}- ${yamlScalar(p)}`)].join('\n');
  return { target, phrasings, yaml: yaml + '\n' };
}
