// Cross-file checks on intents that a single-file parse cannot see: clashes between intents,
// thin or repetitive intents, dangling references. Each finding sits on the line and column of the
// text at fault, with a "did you mean" where a known name is close. Dialog files are checked by
// src/dialog and merged by src/content/check.ts.
import type { LoadedContent } from './load.ts';
import { didYouMean } from './pin.ts';
import { placeholdersIn } from './render.ts';
import type { ContentIssue, IntentDefinition, SourcePosition } from './types.ts';

/** Phrasings an intent should have to recognise customers reliably (a warning below). */
export const MIN_EXAMPLES = 25;
/** Below this many phrasings the accuracy gate fails the intent (src/eval/intent-gate.ts). */
export const MIN_DISTINCT_PHRASINGS = 10;

export interface IntentLintOptions {
  /** Ids of the dialogs that exist; references to others are errors. */
  dialogIds: ReadonlySet<string>;
  /** How texts are compared for duplicates (the NLU normaliser), so 開戶 and 开户 clash. */
  normalize: (text: string) => string;
  /** Intent ids that must exist (the taxonomy); missing ones are errors. */
  requiredIntents?: readonly string[];
  minExamples?: number;
}

interface Phrasing {
  intent: IntentDefinition;
  text: string;
  at: SourcePosition;
  /** The normalised text, and the same without punctuation and filler words. */
  key: string;
  gist: string;
}

export function lintIntents(content: LoadedContent, options: IntentLintOptions): ContentIssue[] {
  const issues: ContentIssue[] = [];
  const minExamples = options.minExamples ?? MIN_EXAMPLES;
  const byId = new Map<string, IntentDefinition>();
  for (const intent of content.intents) {
    const previous = byId.get(intent.id);
    if (previous) {
      issues.push(
        issueAt(
          intent,
          intentAt(intent),
          `intent ${intent.id} is defined twice (also ${previous.source.file}:${previous.source.line})`,
        ),
      );
    } else byId.set(intent.id, intent);
  }
  const intentIds = [...byId.keys()];

  const seen = new Map<string, { intent: IntentDefinition; text: string }>();
  for (const intent of content.intents) {
    intent.examples.forEach((example, i) => {
      const at = intent.source.examplesAt?.[i] ?? intentAt(intent);
      const key = options.normalize(example);
      if (key === '') {
        issues.push(
          issueAt(
            intent,
            at,
            `intent ${intent.id}: example "${example}" is empty after normalisation`,
          ),
        );
        return;
      }
      const first = seen.get(key);
      if (!first) {
        seen.set(key, { intent, text: example });
      } else if (first.intent.id === intent.id) {
        issues.push({
          ...issueAt(intent, at, `intent ${intent.id}: duplicate example "${example}"`),
          severity: 'warning',
          suggestion: 'remove one of the two',
        });
      } else {
        issues.push({
          ...issueAt(
            intent,
            at,
            `example "${example}" of ${intent.id} conflicts with "${first.text}" of ${first.intent.id} (${first.intent.source.file}:${first.intent.source.line})`,
          ),
          suggestion: 'a customer message can only mean one intent: keep it under one of them',
        });
      }
    });
    intent.quickReplies.forEach((qr, i) => {
      if (byId.has(qr.intent)) return;
      issues.push({
        ...issueAt(
          intent,
          intent.source.quickRepliesAt?.[i] ?? intentAt(intent),
          `intent ${intent.id}: quick reply "${qr.label}" points to unknown intent ${qr.intent}`,
        ),
        ...didYouMean(qr.intent, intentIds),
        code: 'dangling_reference',
      });
    });
    if (intent.dialog && !options.dialogIds.has(intent.dialog)) {
      issues.push({
        ...issueAt(
          intent,
          intent.source.dialogAt ?? intentAt(intent),
          `intent ${intent.id}: unknown dialog "${intent.dialog}"`,
        ),
        ...didYouMean(intent.dialog, options.dialogIds),
        code: 'dangling_reference',
      });
    }
    intent.answers.forEach((answer, i) => {
      for (const key of placeholdersIn(answer)) {
        if (key in content.firm) continue;
        issues.push({
          ...issueAt(
            intent,
            intent.source.answersAt?.[i] ?? intentAt(intent),
            `intent ${intent.id}: {firm.${key}} is not a setting in config/firm.yaml`,
          ),
          subject: `{firm.${key}}`,
          ...didYouMean(key, Object.keys(content.firm), (k) => `{firm.${k}}`),
        });
      }
    });
  }
  issues.push(...phrasingIssues(content, options.normalize, minExamples));
  for (const id of options.requiredIntents ?? []) {
    if (!byId.has(id))
      issues.push({
        file: 'intents',
        line: 0,
        message: `required intent ${id} is missing`,
        severity: 'error',
        ...didYouMean(id, intentIds),
      });
  }
  return issues;
}

// Said around a question without changing it: 怎么开户 and 请问怎么开户呢 ask the same.
const FILLER = /[\s\p{P}\p{S}]|请问|一下|[吗呢吧啊呀哦嘛啦么]/gu;

/** The words of a phrasing that carry its meaning, for near-duplicate warnings. */
export function gistOf(normalized: string): string {
  return normalized.replace(FILLER, '');
}

/**
 * Warnings on the phrasings as a whole: near-duplicates across intents (the classifier cannot
 * tell them apart), near-duplicates inside one intent (they teach it nothing new), and intents
 * with too few different phrasings.
 */
function phrasingIssues(
  content: LoadedContent,
  normalize: (text: string) => string,
  minExamples: number,
): ContentIssue[] {
  const issues: ContentIssue[] = [];
  const byGist = new Map<string, Phrasing>();
  for (const intent of content.intents) {
    const phrasings: Phrasing[] = [
      ...intent.examples.map((text, i) => ({
        text,
        at: intent.source.examplesAt?.[i] ?? intentAt(intent),
      })),
      ...intent.questions.flatMap((q) => [
        { text: q.question, at: { line: q.source.line, column: q.source.column ?? 1 } },
        ...q.similar.map((text, i) => ({
          text,
          at: q.source.similarAt?.[i] ?? { line: q.source.line, column: q.source.column ?? 1 },
        })),
      ]),
    ].map((p) => {
      const key = normalize(p.text);
      return { ...p, intent, key, gist: gistOf(key) };
    });
    const gists = new Set<string>();
    for (const p of phrasings) {
      if (!p.gist) continue;
      const first = byGist.get(p.gist);
      if (!first) byGist.set(p.gist, p);
      // Exact duplicates are reported by the checks above and in kb-lint.
      else if (first.key !== p.key) {
        const where = `${first.intent.source.file}:${first.at.line}`;
        issues.push({
          ...issueAt(
            intent,
            p.at,
            first.intent.id === intent.id
              ? `intent ${intent.id}: "${p.text}" says the same as "${first.text}" (${where}); it teaches the classifier nothing new`
              : `"${p.text}" of ${intent.id} is nearly the same as "${first.text}" of ${first.intent.id} (${where}); the classifier cannot tell the two intents apart on it`,
          ),
          severity: 'warning',
          suggestion:
            first.intent.id === intent.id
              ? 'replace it with a phrasing in other words (word order, synonyms, how customers really type)'
              : 'keep it under one of the two intents',
        });
      }
      gists.add(p.gist);
    }
    if (phrasings.length < minExamples || gists.size < MIN_DISTINCT_PHRASINGS) {
      const few = gists.size < MIN_DISTINCT_PHRASINGS;
      issues.push({
        ...issueAt(
          intent,
          intentAt(intent),
          few
            ? `intent ${intent.id} has ${gists.size} different phrasing(s); the accuracy gate needs at least ${MIN_DISTINCT_PHRASINGS} and ${minExamples} or more recognise customers reliably`
            : `intent ${intent.id} has ${phrasings.length} phrasings (its own and its questions' 相似问); ${minExamples} or more recognise customers reliably`,
        ),
        severity: 'warning',
        suggestion: `add the ways customers ask it under "similar:" of its questions (or "examples:") in ${intent.source.file}`,
      });
    }
  }
  return issues;
}

function intentAt(intent: IntentDefinition): SourcePosition {
  return { line: intent.source.line, column: intent.source.column ?? 1 };
}

function issueAt(intent: IntentDefinition, at: SourcePosition, message: string): ContentIssue {
  return {
    file: intent.source.file,
    line: at.line,
    column: at.column,
    message,
    severity: 'error',
  };
}

export function formatIssue(issue: ContentIssue): string {
  return `${issue.file}:${issue.line}: ${issue.severity === 'warning' ? 'warning: ' : ''}${issue.message}`;
}
