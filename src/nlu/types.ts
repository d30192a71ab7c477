// Contracts of the NLU layer. Everything else depends on these, never on the implementation.

export type EntityType =
  'stock_code' | 'stock_name' | 'money' | 'datetime' | 'phone' | 'id_card' | 'bank_card' | 'email';

export interface Entity {
  type: EntityType;
  /** The text as the customer wrote it (slice of the original input). */
  value: string;
  /** Offsets into the original, un-normalised input: text.slice(start, end) === value. */
  start: number;
  end: number;
  /** Canonical form: '600519.SH', '50000' (yuan), ISO date-time, digits only for numbers. */
  normalized?: string;
}

export interface IntentScore {
  intent: string;
  confidence: number;
}

export interface NluResult {
  /** Best intent, or 'out_of_scope' when the message is unlike every intent. */
  intent: string;
  /** Calibrated probability-like score in [0, 1]. */
  confidence: number;
  /** Next-best intents, best first, excluding `intent`. */
  alternatives: IntentScore[];
  entities: Entity[];
  /** The standard question (knowledge base) of the topic the message asks, when one fits. */
  question?: QuestionReading;
  /** Close standard questions when the message could mean either (您是想问…), best first. */
  candidates?: QuestionReading[];
  /** What the message names that questions are about: a board, a product... */
  facets?: FacetValue[];
}

export interface QuestionReading {
  /** Standard question id (intents/*.yaml questions). */
  id: string;
  confidence: number;
}

export interface FacetValue {
  key: string;
  value: string;
}

export interface LabeledExample {
  text: string;
  label: string;
}

/** Ranks intents for a message. Pure and synchronous so it stays on the hot path cheaply. */
export interface IntentClassifier {
  classify(text: string): NluResult;
}

export const OUT_OF_SCOPE = 'out_of_scope';
