// Checks on the knowledge base of standard questions: ids, links, facets, paraphrases claimed by
// two questions, and answer variants that would give the same question different facts.
import type { LoadedContent } from './load.ts';
import { placeholdersIn } from './render.ts';
import type { ContentIssue, SourcePosition, StandardQuestion } from './types.ts';
import { didYouMean } from './pin.ts';
import { checkOutboundCompliance } from '../compliance/advice-guard.ts';

export interface KnowledgeLintOptions {
  dialogIds: ReadonlySet<string>;
  normalize: (text: string) => string;
}

/** Below this many phrasings (the question and its 相似问) a question is too easy to miss. */
export const MIN_PHRASINGS = 3;
/** An answer says one thing: at most this many sentences. */
export const MAX_ANSWER_SENTENCES = 5;

export function lintKnowledgeBase(
  content: LoadedContent,
  options: KnowledgeLintOptions,
): ContentIssue[] {
  const issues: ContentIssue[] = [];
  const at = (
    file: string,
    where: number | SourcePosition,
    message: string,
    severity: ContentIssue['severity'] = 'error',
    extra: Pick<ContentIssue, 'subject' | 'suggestion' | 'code'> = {},
  ): void => {
    const position = typeof where === 'number' ? { line: where } : where;
    issues.push({ file, ...position, message, severity, ...extra });
  };
  const questionAt = (q: StandardQuestion): SourcePosition => ({
    line: q.source.line,
    column: q.source.column ?? 1,
  });
  const all = content.intents.flatMap((i) => i.questions);
  const byId = new Map<string, StandardQuestion>();
  for (const q of all) {
    const first = byId.get(q.id);
    if (first)
      at(
        q.source.file,
        questionAt(q),
        `question id ${q.id} is used twice (also ${first.source.file}:${first.source.line})`,
      );
    else byId.set(q.id, q);
  }

  // A phrasing is owned by one question; examples of the topic itself may repeat a 标准问.
  const owner = new Map<string, { q: StandardQuestion; text: string }>();
  const exampleTopic = new Map<string, string>();
  for (const intent of content.intents)
    for (const e of intent.examples) exampleTopic.set(options.normalize(e), intent.id);
  for (const q of all) {
    const phrasings = [
      { text: q.question, line: q.source.line, place: questionAt(q) },
      ...q.similar.map((text, i) => ({
        text,
        line: q.source.similarLines[i] ?? q.source.line,
        place: q.source.similarAt?.[i] ?? questionAt(q),
      })),
    ];
    if (phrasings.length < MIN_PHRASINGS)
      at(
        q.source.file,
        q.source.line,
        `question ${q.id} has ${phrasings.length} phrasing(s); add 相似问 under similar: (at least ${MIN_PHRASINGS} in all)`,
        'warning',
      );
    for (const { text, line, place } of phrasings) {
      const key = options.normalize(text);
      if (!key) continue;
      const other = exampleTopic.get(key);
      if (other !== undefined && other !== q.topic)
        at(
          q.source.file,
          place,
          `"${text}" of question ${q.id} (topic ${q.topic}) is an example of topic ${other}; a phrasing belongs to one topic`,
        );
      const first = owner.get(key);
      if (!first) owner.set(key, { q, text });
      else if (first.q.id !== q.id)
        at(
          q.source.file,
          place,
          `"${text}" of question ${q.id} is also a phrasing of ${first.q.id} (${first.q.source.file}:${first.q.source.line}); keep it under one question`,
        );
      else if (first.text !== text || line !== q.source.line)
        at(q.source.file, place, `question ${q.id}: "${text}" is listed twice`, 'warning');
    }
  }

  const facetValues = content.facets.values;
  const aspectOwner = new Map<string, StandardQuestion>();
  for (const q of all) {
    if (!q.aspect) continue;
    const key = `${q.aspect}|${Object.entries(q.facets)
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}`;
    const first = aspectOwner.get(key);
    if (first)
      at(
        q.source.file,
        questionAt(q),
        `question ${q.id} asks the same aspect "${q.aspect}" with the same facets as ${first.id}; follow-ups could not tell them apart`,
      );
    else aspectOwner.set(key, q);
  }
  for (const q of all) {
    q.related.forEach((id, i) => {
      const place = q.source.relatedAt?.[i] ?? q.source.relatedLine ?? q.source.line;
      if (!byId.has(id))
        at(
          q.source.file,
          place,
          `question ${q.id}: related question ${id} does not exist`,
          'error',
          { subject: id, ...didYouMean(id, byId.keys()), code: 'dangling_reference' },
        );
      if (id === q.id) at(q.source.file, place, `question ${q.id} relates to itself`);
    });
    if (q.next !== undefined && q.next !== 'human') {
      if (!byId.has(q.next) && !options.dialogIds.has(q.next))
        at(
          q.source.file,
          q.source.nextAt ?? q.source.nextLine ?? q.source.line,
          `question ${q.id}: next "${q.next}" is neither a question id, a dialog id nor human`,
          'error',
          {
            ...didYouMean(q.next, [...byId.keys(), ...options.dialogIds, 'human']),
            code: 'dangling_reference',
          },
        );
    }
    for (const [key, value] of Object.entries(q.facets)) {
      const values = facetValues.get(key);
      const facetPlace = q.source.facetsAt ?? q.source.facetsLine ?? q.source.line;
      if (!values)
        at(
          q.source.file,
          facetPlace,
          `question ${q.id}: facet "${key}" is not in intents/facets.yaml (known: ${[...facetValues.keys()].join(', ')})`,
          'error',
          { subject: key, ...didYouMean(key, facetValues.keys()) },
        );
      else if (!values.has(value))
        at(
          q.source.file,
          facetPlace,
          `question ${q.id}: ${key} "${value}" is not in intents/facets.yaml (known: ${[...values.keys()].join(', ')})`,
          'error',
          { subject: value, ...didYouMean(value, values.keys()) },
        );
    }
    q.answers.forEach((answer, i) => {
      const line = q.source.answersAt?.[i] ?? q.source.answerLines[i] ?? q.source.line;
      for (const key of placeholdersIn(answer)) {
        if (!(key in content.firm))
          at(
            q.source.file,
            line,
            `question ${q.id}: {firm.${key}} is not a setting in config/firm.yaml`,
            'error',
            {
              subject: `{firm.${key}}`,
              ...didYouMean(key, Object.keys(content.firm), (k) => `{firm.${k}}`),
            },
          );
      }
      // An answer the outbound check would stop never reaches a customer: say so at lint time.
      const check = checkOutboundCompliance(answer);
      if (!check.ok)
        at(
          q.source.file,
          line,
          `question ${q.id}: the answer would be stopped by the compliance check (${check.reasons.join('; ')}); reword it`,
        );
      const sentences = answer.split(/[。！？!?]/u).filter((s) => s.trim().length > 1).length;
      if (sentences > MAX_ANSWER_SENTENCES)
        at(
          q.source.file,
          line,
          `question ${q.id}: the answer has ${sentences} sentences; answer one thing in two to four (split it into another question)`,
          'warning',
        );
    });
    issues.push(
      ...variantFactIssues(q.answers, q.source.file, q.source.answerLines, `question ${q.id}`),
    );
  }
  for (const intent of content.intents) {
    issues.push(
      ...variantFactIssues(
        intent.answers,
        intent.source.file,
        intent.answers.map(() => intent.source.line),
        `intent ${intent.id}`,
      ),
    );
  }
  return issues;
}

/**
 * Variants of one answer may only be paraphrases: the same numbers, dates and percentages in each.
 * A variant stating another number would give one question different facts by turn.
 */
export function variantFactIssues(
  variants: readonly string[],
  file: string,
  lines: readonly number[],
  what: string,
): ContentIssue[] {
  if (variants.length < 2) return [];
  const facts = variants.map(factsOf);
  const first = facts[0] as Set<string>;
  const issues: ContentIssue[] = [];
  facts.slice(1).forEach((set, k) => {
    const i = k + 1;
    const missing = [...first].filter((f) => !set.has(f));
    const extra = [...set].filter((f) => !first.has(f));
    if (missing.length === 0 && extra.length === 0) return;
    issues.push({
      file,
      line: lines[i] ?? lines[0] ?? 1,
      severity: 'error',
      message: `${what}: answer variant ${i + 1} states other facts than variant 1 (${[
        ...extra.map((f) => `+${f}`),
        ...missing.map((f) => `-${f}`),
      ].join(' ')}); variants may only be paraphrases`,
    });
  });
  return issues;
}

const FULL_WIDTH_DIGITS = /[０-９]/g;

/** Numbers, with their unit where one follows (50万, 10%, 9:30, 2026年7月6日 -> 2026, 7, 6). */
export function factsOf(text: string): Set<string> {
  const flat = text
    .replace(FULL_WIDTH_DIGITS, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/\{firm\.[A-Za-z0-9_]+\}/g, ' ')
    .replace(/[：]/g, ':')
    .replace(/[–—－~～]/g, '-');
  const facts = new Set<string>();
  for (const m of flat.matchAll(
    /\d+(?:[.:]\d+)?\s*(%|‰|万|亿|元|股|个|年|月|日|天|周岁|岁|分钟|小时|分)?/g,
  )) {
    facts.add(m[0].replace(/\s+/g, ''));
  }
  return facts;
}
