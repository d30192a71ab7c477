// The facet lexicon (intents/facets.yaml): the words that name what a question is about - a
// board (科创板, 北交所), a product (ETF, 可转债), a password kind... A follow-up that names another
// value of the same facet (北交所呢 after 科创板门槛) re-asks the same standard question for it.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { normalizeText } from '../nlu/normalize.ts';
import type { ContentIssue } from './types.ts';

export interface FacetMention {
  key: string;
  value: string;
  /** The normalised term that named it, and where in the normalised text. */
  term: string;
  start: number;
  end: number;
}

export interface FacetLexicon {
  /** key -> value -> the value's terms (normalised, display form first). */
  readonly values: ReadonlyMap<string, ReadonlyMap<string, { terms: string[]; line: number }>>;
  /** Facet values named in a normalised text, longest terms first, never overlapping, in order. */
  find(normalized: string): FacetMention[];
  /** The word to show for a value (its first term as written). */
  label(key: string, value: string): string;
}

const LATIN = /[a-z0-9]/;

export function createFacetLexicon(
  entries: { key: string; value: string; terms: string[]; line: number }[],
): FacetLexicon {
  const values = new Map<string, Map<string, { terms: string[]; line: number }>>();
  const display = new Map<string, string>();
  const all: { key: string; value: string; term: string }[] = [];
  for (const e of entries) {
    const byValue = values.get(e.key) ?? new Map<string, { terms: string[]; line: number }>();
    values.set(e.key, byValue);
    const terms = e.terms.map((t) => normalizeText(t)).filter(Boolean);
    byValue.set(e.value, { terms, line: e.line });
    display.set(`${e.key}:${e.value}`, e.terms[0] ?? e.value);
    for (const term of terms) all.push({ key: e.key, value: e.value, term });
  }
  // Longest first, so 科创板 wins over 科创 and 沪市主板 over 主板.
  all.sort((a, b) => b.term.length - a.term.length);
  return {
    values,
    label: (key, value) => display.get(`${key}:${value}`) ?? value,
    find(normalized) {
      const taken: boolean[] = [];
      const found: FacetMention[] = [];
      for (const { key, value, term } of all) {
        let from = 0;
        for (;;) {
          const at = normalized.indexOf(term, from);
          if (at < 0) break;
          from = at + 1;
          const end = at + term.length;
          // Latin terms count only as words of their own: etf, not the etf in "netflix".
          if (LATIN.test(term)) {
            if (LATIN.test(normalized[at - 1] ?? '') || LATIN.test(normalized[end] ?? '')) continue;
          }
          let free = true;
          for (let i = at; i < end; i++) if (taken[i]) free = false;
          if (!free) continue;
          for (let i = at; i < end; i++) taken[i] = true;
          found.push({ key, value, term, start: at, end });
        }
      }
      return found.sort((a, b) => a.start - b.start);
    },
  };
}

/** Reads intents/facets.yaml (`key: { value: [term, ...] }`); a missing file is an empty lexicon. */
export function loadFacetLexicon(
  path: string,
  rootDir: string,
  issues: ContentIssue[],
): FacetLexicon {
  if (!existsSync(path)) return createFacetLexicon([]);
  const file = relative(rootDir, path) || path;
  const lineCounter = new LineCounter();
  const doc = parseDocument(readFileSync(path, 'utf8'), { lineCounter, uniqueKeys: true });
  const lineOf = (node: unknown): number => {
    const range = (node as YamlNode | undefined)?.range;
    return range ? lineCounter.linePos(range[0]).line : 1;
  };
  const error = (line: number, message: string): void => {
    issues.push({ file, line, message, severity: 'error' });
  };
  for (const e of doc.errors) error(lineCounter.linePos(e.pos[0]).line, e.message);
  if (doc.errors.length > 0) return createFacetLexicon([]);
  const root = doc.contents;
  if (!isMap(root)) {
    error(1, 'expected facet keys such as "board:" with values and their words');
    return createFacetLexicon([]);
  }
  const entries: { key: string; value: string; terms: string[]; line: number }[] = [];
  const owner = new Map<string, string>();
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!isMap(pair.value)) {
      error(lineOf(pair.key), `facet "${key}" must map values to lists of words`);
      continue;
    }
    for (const v of pair.value.items) {
      const value = isScalar(v.key) ? String(v.key.value) : '';
      const line = lineOf(v.key);
      if (!isSeq(v.value)) {
        error(line, `facet ${key}.${value} must be a list of words`);
        continue;
      }
      const terms: string[] = [];
      for (const t of v.value.items) {
        const term = isScalar(t) && t.value !== null ? String(t.value).trim() : '';
        if (!term) {
          error(lineOf(t), `facet ${key}.${value}: empty word`);
          continue;
        }
        const norm = normalizeText(term);
        const previous = owner.get(norm);
        if (previous && previous !== `${key}.${value}`)
          error(lineOf(t), `word "${term}" of ${key}.${value} is already a word of ${previous}`);
        owner.set(norm, `${key}.${value}`);
        terms.push(term);
      }
      entries.push({ key, value, terms, line });
    }
  }
  return createFacetLexicon(entries);
}
