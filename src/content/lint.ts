// Cross-file checks on intents that a single-file parse cannot see: clashes between intents,
// thin intents, dangling references. Dialog files are checked by src/dialog and merged by the CLI.
import type { LoadedContent } from './load.ts';
import { placeholdersIn } from './render.ts';
import type { ContentIssue, IntentDefinition } from './types.ts';

export const MIN_EXAMPLES = 25;

export interface IntentLintOptions {
  /** Ids of the dialogs that exist; references to others are errors. */
  dialogIds: ReadonlySet<string>;
  /** How texts are compared for duplicates (the NLU normaliser), so 開戶 and 开户 clash. */
  normalize: (text: string) => string;
  /** Intent ids that must exist (the taxonomy); missing ones are errors. */
  requiredIntents?: readonly string[];
  minExamples?: number;
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
          `intent ${intent.id} is defined twice (also ${previous.source.file}:${previous.source.line})`,
        ),
      );
    } else byId.set(intent.id, intent);
  }

  const seen = new Map<string, { intent: IntentDefinition; text: string }>();
  for (const intent of content.intents) {
    const phrasings =
      intent.examples.length + intent.questions.reduce((n, q) => n + 1 + q.similar.length, 0);
    if (phrasings < minExamples) {
      issues.push(
        issueAt(
          intent,
          `intent ${intent.id} has ${phrasings} examples (its own and its questions' phrasings); at least ${minExamples} are needed`,
        ),
      );
    }
    for (const example of intent.examples) {
      const key = options.normalize(example);
      if (key === '') {
        issues.push(
          issueAt(intent, `intent ${intent.id}: example "${example}" is empty after normalisation`),
        );
        continue;
      }
      const first = seen.get(key);
      if (!first) {
        seen.set(key, { intent, text: example });
      } else if (first.intent.id === intent.id) {
        issues.push({
          ...issueAt(intent, `intent ${intent.id}: duplicate example "${example}"`),
          severity: 'warning',
        });
      } else {
        issues.push(
          issueAt(
            intent,
            `example "${example}" of ${intent.id} conflicts with "${first.text}" of ${first.intent.id} (${first.intent.source.file}:${first.intent.source.line})`,
          ),
        );
      }
    }
    for (const qr of intent.quickReplies) {
      if (!byId.has(qr.intent))
        issues.push(
          issueAt(
            intent,
            `intent ${intent.id}: quick reply "${qr.label}" points to unknown intent ${qr.intent}`,
          ),
        );
    }
    if (intent.dialog && !options.dialogIds.has(intent.dialog)) {
      issues.push(issueAt(intent, `intent ${intent.id}: unknown dialog "${intent.dialog}"`));
    }
    for (const answer of intent.answers) {
      for (const key of placeholdersIn(answer)) {
        if (!(key in content.firm))
          issues.push(
            issueAt(
              intent,
              `intent ${intent.id}: {firm.${key}} is not a setting in config/firm.yaml`,
            ),
          );
      }
    }
  }
  for (const id of options.requiredIntents ?? []) {
    if (!byId.has(id))
      issues.push({
        file: 'intents',
        line: 0,
        message: `required intent ${id} is missing`,
        severity: 'error',
      });
  }
  return issues;
}

function issueAt(intent: IntentDefinition, message: string): ContentIssue {
  return { file: intent.source.file, line: intent.source.line, message, severity: 'error' };
}

export function formatIssue(issue: ContentIssue): string {
  return `${issue.file}:${issue.line}: ${issue.severity === 'warning' ? 'warning: ' : ''}${issue.message}`;
}
