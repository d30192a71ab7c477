// `csbot lint`: every problem in intents/, dialogs/ and the firm settings, as file:line: message.
import { join } from 'node:path';
import { loadContent } from '../content/load.ts';
import { formatIssue, lintIntents } from '../content/lint.ts';
import { REQUIRED_INTENTS } from '../content/taxonomy.ts';
import type { ContentIssue } from '../content/types.ts';
import { lintDialogs, loadDialogs } from '../dialog/loader.ts';
import { normalizeText } from '../nlu/normalize.ts';
import { synonymIssues } from '../nlu/synonyms.ts';
import { ticketSettingContentIssues } from '../tickets/settings.ts';

/** Dialogs the pipeline starts by id: the bot cannot run without them. */
const REQUIRED_DIALOGS = [
  'fallback',
  'human_handoff',
  'satisfaction_survey',
  'complaint',
  'ticket_feedback',
];

export function collectContentIssues(rootDir: string): ContentIssue[] {
  const content = loadContent({ rootDir });
  const dialogs = loadDialogs(join(rootDir, 'dialogs'), rootDir);
  return [
    ...content.issues,
    ...ticketSettingContentIssues(content.firm, content.paths.firmPath, rootDir),
    ...synonymIssues(content.paths.synonymsPath, rootDir),
    ...dialogs.issues,
    ...lintIntents(content, {
      dialogIds: new Set(dialogs.dialogs.keys()),
      normalize: normalizeText,
      requiredIntents: REQUIRED_INTENTS,
    }),
    ...lintDialogs(
      dialogs.dialogs,
      content.intents.map((i) => i.id),
      { firm: content.firm, requiredDialogs: REQUIRED_DIALOGS },
    ),
  ];
}

export function runLint(options: { rootDir: string; out: NodeJS.WritableStream }): number {
  const issues = collectContentIssues(options.rootDir);
  const errors = issues.filter((i) => i.severity === 'error');
  for (const issue of issues) options.out.write(`${formatIssue(issue)}\n`);
  options.out.write(
    errors.length === 0
      ? `ok: intents/ and dialogs/ are valid${issues.length ? ` (${issues.length} warnings)` : ''}\n`
      : `${errors.length} error(s), ${issues.length - errors.length} warning(s)\n`,
  );
  return errors.length === 0 ? 0 : 1;
}
