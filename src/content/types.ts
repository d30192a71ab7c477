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
  /**
   * The knowledge base of this topic: standard questions (标准问), each with its paraphrases
   * (相似问) and one precise answer. Empty for topics answered by their answer or dialog alone.
   */
  questions: StandardQuestion[];
  /** Where it was defined, for error messages: file and line of the `id:` key. */
  source: {
    file: string;
    line: number;
    /** Column of the id (1-based), and where each example, answer and quick-reply target is. */
    column?: number;
    examplesAt?: SourcePosition[];
    answersAt?: SourcePosition[];
    quickRepliesAt?: SourcePosition[];
    dialogAt?: SourcePosition;
  };
}

/**
 * What a standard question is about, for follow-ups: 科创板门槛 then 北交所呢 re-asks the question
 * whose facets are the same but board: bse. Keys and values come from intents/facets.yaml.
 */
export type Facets = Readonly<Record<string, string>>;

/** One standard question of the knowledge base (标准问 + 相似问 + answer). */
export interface StandardQuestion {
  /** Stable id, unique across all topics (e.g. star.conditions). */
  id: string;
  /** The topic (intent id) it belongs to. */
  topic: string;
  /** The standard question as a customer would ask it; shown on buttons (您是想问 / 猜你想问). */
  question: string;
  /** Paraphrases: other ways customers ask exactly this. */
  similar: string[];
  /** Answer variants: paraphrases of one answer (lint rejects variants with different facts). */
  answers: string[];
  facets: Facets;
  /**
   * What the question asks about its facets (conditions, how_to_open, hours...): questions with
   * the same aspect and other facet values answer the same question for another board or product.
   */
  aspect?: string;
  /** Ids of questions to offer after this answer (猜你想问); siblings of the topic by default. */
  related: string[];
  /**
   * Where a customer who says the answer did not help goes next: a dialog id (troubleshooting),
   * another question id, or "human". Default: the offer of a human agent.
   */
  next?: string;
  riskDisclosure: boolean;
  /** File and lines, for lint messages on the exact line at fault. */
  source: {
    file: string;
    line: number;
    similarLines: number[];
    answerLines: number[];
    relatedLine?: number;
    nextLine?: number;
    facetsLine?: number;
    /** Column of the id, and exact positions of the nodes lint may point at. */
    column?: number;
    similarAt?: SourcePosition[];
    answersAt?: SourcePosition[];
    relatedAt?: SourcePosition[];
    nextAt?: SourcePosition;
    facetsAt?: SourcePosition;
  };
}

/** A place in a content file: 1-based line and column (UTF-16 units, as editors count). */
export interface SourcePosition {
  line: number;
  column: number;
}

/** Firm settings from config/firm.yaml, referenced in answers as {firm.KEY}. */
export type FirmSettings = Record<string, string>;

/** One problem found in content, reported as `file:line: message`. */
export interface ContentIssue {
  file: string;
  line: number;
  /** 1-based column of the offending node, where known. */
  column?: number;
  message: string;
  severity: 'error' | 'warning';
  /** What the editor probably meant (did you mean), or how to fix it. */
  suggestion?: string;
  /**
   * The offending text (an unknown id, a `{firm.KEY}`), when the check knows only the node it sits
   * in: the issue is moved onto the line and column where the text is written (src/content/pin.ts).
   */
  subject?: string;
  /**
   * `syntax`: the file did not parse, so checks that depend on what it defines are skipped;
   * `dangling_reference`: a name another file should define (skipped while that file is broken).
   */
  code?: 'syntax' | 'dangling_reference';
}
