// Synonyms the content team keeps in intents/synonyms.txt: customers say 提现, 取钱 or 出金 for the
// same thing, and an example list can never hold every way of saying it. A message that contains a
// listed variant is read as if it also contained the standard word, so one line teaches every
// intent that uses the word. The classifier adds the standard words to the message's own words.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContentIssue } from '../content/types.ts';
import { normalizeText } from './normalize.ts';

export const DEFAULT_SYNONYMS_PATH = fileURLToPath(
  new URL('../../intents/synonyms.txt', import.meta.url),
);

export interface SynonymGroup {
  /** The standard word, as normalised text. */
  canonical: string;
  /** Normalised variants, the standard word itself first. */
  variants: string[];
  line: number;
}

export interface SynonymProblem {
  line: number;
  message: string;
  severity: 'error' | 'warning';
}

export interface SynonymTable {
  readonly groups: readonly SynonymGroup[];
  /** Standard words whose variants occur in a normalised message, each once, in order of appearance. */
  expand(normalized: string): string[];
}

// Editors type Chinese punctuation as often as ASCII: 销户：注销，销掉、关户.
const HEAD = /^([^:：]*)[:：](.*)$/;
const LIST = /[,，、;；]/;
const LATIN_OR_DIGIT = /[a-z0-9]/;

/**
 * Parses `标准词: 说法1, 说法2` lines ('#' starts a comment). Returns every problem instead of the
 * first, so `csbot lint` can list them all.
 */
export function parseSynonyms(text: string): {
  groups: SynonymGroup[];
  problems: SynonymProblem[];
} {
  const groups: SynonymGroup[] = [];
  const problems: SynonymProblem[] = [];
  const owner = new Map<string, SynonymGroup>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const body = raw.replace(/#.*/, '').trim();
    if (!body) return;
    const head = HEAD.exec(body);
    if (!head) {
      problems.push({
        line,
        message: `expected "标准词: 说法1, 说法2", got "${body}"`,
        severity: 'error',
      });
      return;
    }
    const canonical = normalizeText(head[1] ?? '');
    if (!canonical) {
      problems.push({ line, message: 'the standard word before ":" is empty', severity: 'error' });
      return;
    }
    const group: SynonymGroup = { canonical, variants: [canonical], line };
    for (const part of (head[2] ?? '').split(LIST)) {
      const variant = normalizeText(part);
      if (!variant) continue;
      if (group.variants.includes(variant)) {
        problems.push({ line, message: `"${part.trim()}" is listed twice`, severity: 'warning' });
        continue;
      }
      group.variants.push(variant);
    }
    if (group.variants.length === 1) {
      problems.push({
        line,
        message: `"${canonical}" has no variants after ":"`,
        severity: 'error',
      });
      return;
    }
    for (const variant of group.variants) {
      const other = owner.get(variant);
      if (other && other.canonical !== canonical) {
        // One variant cannot mean two standard words: the bot would read both into the message.
        problems.push({
          line,
          message: `"${variant}" already stands for "${other.canonical}" (line ${other.line})`,
          severity: 'error',
        });
      } else owner.set(variant, group);
    }
    groups.push(group);
  });
  return { groups, problems };
}

/**
 * A matcher over the groups. Chinese variants match anywhere in the message; Latin and digit
 * variants only as words of their own (see standsAlone).
 */
export function createSynonymTable(groups: readonly SynonymGroup[]): SynonymTable {
  const byFirstChar = new Map<string, { variant: string; canonical: string }[]>();
  for (const group of groups) {
    for (const variant of group.variants) {
      const first = variant[0] as string;
      const list = byFirstChar.get(first) ?? [];
      list.push({ variant, canonical: group.canonical });
      byFirstChar.set(first, list);
    }
  }
  return {
    groups,
    expand(normalized: string): string[] {
      const found: string[] = [];
      if (typeof normalized !== 'string' || byFirstChar.size === 0) return found;
      for (let i = 0; i < normalized.length; i++) {
        const candidates = byFirstChar.get(normalized[i] as string);
        if (!candidates) continue;
        for (const { variant, canonical } of candidates) {
          if (found.includes(canonical) || !normalized.startsWith(variant, i)) continue;
          if (!standsAlone(normalized, i, i + variant.length, variant)) continue;
          found.push(canonical);
        }
      }
      return found;
    },
  };
}

const DIGITS = /^[0-9]+$/;
const CJK_CHAR = /[\u3400-\u9fff\uf900-\ufaff]/u;

/**
 * Whether the variant at [start, end) is a word of its own: Latin/digit edges must not run on into
 * more Latin or digits (hi inside this, 88 inside 600588), and an all-digit variant must not be
 * followed by Chinese either, since that makes it a quantity (88股, 886元).
 */
function standsAlone(text: string, start: number, end: number, variant: string): boolean {
  const before = text[start - 1] ?? '';
  const after = text[end] ?? '';
  if (LATIN_OR_DIGIT.test(variant[0] as string) && LATIN_OR_DIGIT.test(before)) return false;
  if (LATIN_OR_DIGIT.test(variant[variant.length - 1] as string) && LATIN_OR_DIGIT.test(after))
    return false;
  if (DIGITS.test(variant) && CJK_CHAR.test(after)) return false;
  return true;
}

/** The problems of a content folder's synonyms file as lint issues (none when there is no file). */
export function synonymIssues(path: string, rootDir: string): ContentIssue[] {
  if (!existsSync(path)) return [];
  const file = relative(rootDir, path) || path;
  return parseSynonyms(readFileSync(path, 'utf8')).problems.map((p) => ({ file, ...p }));
}

/** Reads a synonyms file; throws `path:line: message` on the first error so a bad file stops start-up. */
export function loadSynonyms(path: string): SynonymTable {
  const { groups, problems } = parseSynonyms(readFileSync(path, 'utf8'));
  const error = problems.find((p) => p.severity === 'error');
  if (error) throw new Error(`${path}:${error.line}: ${error.message}`);
  return createSynonymTable(groups);
}

/** The shipped intents/synonyms.txt when it exists, else no synonyms. */
export function defaultSynonyms(): SynonymTable {
  return existsSync(DEFAULT_SYNONYMS_PATH)
    ? loadSynonyms(DEFAULT_SYNONYMS_PATH)
    : createSynonymTable([]);
}
