// The shape of what content teams write in intents/*.yaml, after loading and validation.
// The format itself is documented for editors in docs/content-format.md.

export interface IntentQuickReply {
  /** Button text the customer sees. */
  label: string;
  /** Tapping it behaves as if the customer asked this intent. */
  intent: string;
}

export interface IntentDefinition {
  /** Fixed id, e.g. faq.permission_star (see shared taxonomy). */
  id: string;
  /** Short Chinese name shown when the bot offers this intent as a choice ("科创板权限"). */
  title: string;
  /** Customer phrasings used to train the classifier. */
  examples: string[];
  /** Answer variants; one is used per reply. May contain {firm.KEY} placeholders. */
  answers: string[];
  quickReplies: IntentQuickReply[];
  /** Append the firm's risk disclosure to the answer (products, permissions, advice). */
  riskDisclosure: boolean;
  /** Id of a dialog in dialogs/ that handles this intent instead of the plain answer. */
  dialog?: string;
  /**
   * With `dialog`: a regular expression the customer's message must match for the dialog to start;
   * other messages of this intent get the plain answer ("转账失败" troubleshoots, "几点能转账" answers).
   */
  dialogWhen?: string;
  /** Where it was defined, for error messages: file and line of the `id:` key. */
  source: { file: string; line: number };
}

/** Firm settings from config/firm.yaml, referenced in answers as {firm.KEY}. */
export type FirmSettings = Record<string, string>;

/** One problem found in content, reported as `file:line: message`. */
export interface ContentIssue {
  file: string;
  line: number;
  message: string;
  severity: 'error' | 'warning';
}
