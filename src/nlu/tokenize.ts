// Chinese word segmentation with jieba plus the securities lexicon, so 科创板 or 融资融券 stay whole.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import nodejieba from 'nodejieba';

export interface Tokenizer {
  /** Words of the text, whitespace dropped. Expects normalised text but accepts any string. */
  cut(text: string): string[];
}

export interface TokenizerOptions {
  /** `word [freq] [tag]` per line, '#' comments. Default: intents/lexicon.txt when it exists. */
  lexiconPath?: string;
  /** Extra words to keep whole, on top of the lexicon. */
  extraWords?: string[];
}

export interface LexiconEntry {
  word: string;
  freq?: number;
  tag?: string;
}

export const DEFAULT_LEXICON_PATH = fileURLToPath(
  new URL('../../intents/lexicon.txt', import.meta.url),
);

/** Securities words that must never be split, even before the content team's lexicon exists. */
export const CORE_SECURITIES_WORDS: readonly string[] = [
  '科创板',
  '创业板',
  '北交所',
  '港股通',
  '融资融券',
  '两融',
  '三方存管',
  '银证转账',
  '转托管',
  '撤指',
  '打新',
  '中签',
  '风险测评',
  '国债逆回购',
  'etf',
];

/** Parses lexicon text; throws `source:line: reason` on a malformed line. */
export function parseLexicon(text: string, source = 'lexicon'): LexiconEntry[] {
  const entries: LexiconEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const parts = line.split(/\s+/);
    if (parts.length > 3)
      throw new Error(`${source}:${i + 1}: expected "word [freq] [tag]", got "${raw.trim()}"`);
    const [word, second, third] = parts as [string, string?, string?];
    const entry: LexiconEntry = { word };
    if (second !== undefined) {
      if (/^\d+$/.test(second)) entry.freq = Number(second);
      else if (third === undefined) entry.tag = second;
      else throw new Error(`${source}:${i + 1}: frequency must be a whole number, got "${second}"`);
    }
    if (third !== undefined) entry.tag = third;
    entries.push(entry);
  });
  return entries;
}

// jieba's dictionary is process-wide (nodejieba.load works once per process), so words are
// inserted into the one shared instance and remembered to avoid re-inserting.
const insertedWords = new Set<string>();

function ensureWord(word: string, tag = 'n'): void {
  if (insertedWords.has(word)) return;
  nodejieba.insertWord(word, tag);
  insertedWords.add(word);
}

// Latin/digit runs (etf, level2, 1,000.50) are kept as one token; jieba would split them per character.
const SEGMENT = /[a-z0-9][a-z0-9.,%]*|[^\sa-z0-9]+/giu;

/**
 * jieba gives inserted words only a median weight, so 打新中签 still comes out 打/新/中/签;
 * re-joining adjacent tokens that spell a lexicon word (longest first) keeps the lexicon whole.
 */
function mergeLexiconWords(
  tokens: string[],
  lexicon: ReadonlySet<string>,
  maxLength: number,
): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < tokens.length) {
    let best = 1;
    let joined = tokens[i] as string;
    for (let j = i + 1; j < tokens.length; j++) {
      joined += tokens[j] as string;
      if (joined.length > maxLength) break;
      if (lexicon.has(joined)) best = j - i + 1;
    }
    out.push(tokens.slice(i, i + best).join(''));
    i += best;
  }
  return out;
}

export function createTokenizer(options: TokenizerOptions = {}): Tokenizer {
  const lexiconPath =
    options.lexiconPath ?? (existsSync(DEFAULT_LEXICON_PATH) ? DEFAULT_LEXICON_PATH : undefined);
  const entries: LexiconEntry[] = [];
  if (lexiconPath !== undefined) {
    if (!existsSync(lexiconPath)) throw new Error(`lexicon not found: ${lexiconPath}`);
    entries.push(...parseLexicon(readFileSync(lexiconPath, 'utf8'), lexiconPath));
  }
  const lexicon = new Set<string>();
  const add = (word: string, tag?: string): void => {
    const w = word.trim().toLowerCase(); // normalised text is lower case (ETF → etf)
    if (!w) return;
    lexicon.add(w);
    ensureWord(w, tag);
  };
  for (const word of CORE_SECURITIES_WORDS) add(word);
  for (const entry of entries) add(entry.word, entry.tag);
  for (const word of options.extraWords ?? []) add(word);
  let maxLength = 0;
  for (const w of lexicon) maxLength = Math.max(maxLength, w.length);

  return {
    cut(text: string): string[] {
      if (typeof text !== 'string' || !text) return [];
      const tokens: string[] = [];
      for (const segment of text.match(SEGMENT) ?? []) {
        if (/^[a-z0-9]/i.test(segment)) tokens.push(segment);
        else for (const w of nodejieba.cut(segment)) if (w.trim()) tokens.push(w);
      }
      return mergeLexiconWords(tokens, lexicon, maxLength);
    },
  };
}
