// Every check of `csbot lint`, on content already loaded: the CLI and the server's start-up run
// the same list, so what lint rejects never reaches customers.
import type { LoadedContent } from './load.ts';
import { lintIntents } from './lint.ts';
import { lintKnowledgeBase } from './kb-lint.ts';
import { ticketSettingContentIssues } from '../tickets/settings.ts';
import { REQUIRED_INTENTS } from './taxonomy.ts';
import type { ContentIssue } from './types.ts';
import { lintDialogs } from '../dialog/loader.ts';
import type { DialogSet } from '../dialog/types.ts';
import { normalizeText } from '../nlu/normalize.ts';
import { synonymIssues } from '../nlu/synonyms.ts';
import { pinIssues } from './pin.ts';

/** Dialogs the pipeline starts by id: the bot cannot run without them. */
export const REQUIRED_DIALOGS = [
  'fallback',
  'human_handoff',
  'satisfaction_survey',
  'complaint',
  'unresolved',
  'leave_message',
  'ticket_feedback',
];

export interface LoadedForCheck {
  content: LoadedContent;
  dialogs: { dialogs: DialogSet; issues: ContentIssue[] };
  /** The folder holding intents/ and dialogs/ (file names are reported relative to it). */
  rootDir: string;
}

export function checkContent({ content, dialogs, rootDir }: LoadedForCheck): ContentIssue[] {
  // A file that does not parse defines nothing: everything that refers to what it held would be
  // reported missing (one bad indentation once gave 15 "required intent … is missing"). Its one
  // syntax error is enough, so the checks that depend on it wait until it parses.
  const unparsed = (folder: string) =>
    [...content.issues, ...dialogs.issues].some(
      (i) => i.code === 'syntax' && i.file.startsWith(`${folder}/`),
    );
  const intentsComplete = !unparsed('intents');
  const dialogsComplete = !unparsed('dialogs');
  const dialogIds = new Set(dialogs.dialogs.keys());
  const withoutDangling = (issues: ContentIssue[], complete: boolean) =>
    complete ? issues : issues.filter((i) => i.code !== 'dangling_reference');
  const issues = [
    ...content.issues,
    ...ticketSettingContentIssues(content.firm, content.paths.firmPath, rootDir),
    ...synonymIssues(content.paths.synonymsPath, rootDir),
    ...dialogs.issues,
    ...withoutDangling(
      lintIntents(content, {
        dialogIds,
        normalize: normalizeText,
        ...(intentsComplete ? { requiredIntents: REQUIRED_INTENTS } : {}),
      }),
      dialogsComplete && intentsComplete,
    ),
    ...withoutDangling(
      lintKnowledgeBase(content, { dialogIds, normalize: normalizeText }),
      dialogsComplete && intentsComplete,
    ),
    ...withoutDangling(
      lintDialogs(
        dialogs.dialogs,
        content.intents.map((i) => i.id),
        {
          firm: content.firm,
          ...(dialogsComplete ? { requiredDialogs: REQUIRED_DIALOGS } : {}),
        },
      ),
      intentsComplete && dialogsComplete,
    ),
  ];
  return pinIssues(issues, rootDir);
}
