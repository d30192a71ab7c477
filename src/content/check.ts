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
    ...lintKnowledgeBase(content, {
      dialogIds: new Set(dialogs.dialogs.keys()),
      normalize: normalizeText,
    }),
    ...lintDialogs(
      dialogs.dialogs,
      content.intents.map((i) => i.id),
      { firm: content.firm, requiredDialogs: REQUIRED_DIALOGS },
    ),
  ];
}
