// What the optional LLM layer (src/llm) offers the core, as narrow ports: the core, the handoff
// service and the tests depend on these types only, never on langchain. Each port answers null
// when it has nothing usable (off, too slow, circuit open, model refused); the caller then does
// exactly what it would have done without a model.
import type { ChannelId } from './message.ts';

/** One document of knowledge/ an answer was drawn from. */
export interface KnowledgeSource {
  /** The document's title (its first # heading). */
  title: string;
  /** Path relative to the content folder, e.g. knowledge/trading-rules.md. */
  file: string;
  /** The heading path of the passage inside the document. */
  section: string;
}

/** An answer the model wrote from retrieved knowledge passages. Not yet checked by compliance. */
export interface LongTailAnswer {
  /** The model's answer as plain text, without AI label, source line or risk disclosure. */
  text: string;
  /** The documents the model says it used (at least one, all among the passages it was given). */
  sources: KnowledgeSource[];
  /** Texts of the cited passages: every number and date in `text` must appear in them. */
  evidence: string[];
  /** Which model wrote it, for the transcript. */
  model: string;
}

/** What one turn tells the LLM layer about the customer's wait. */
export interface LlmTurnContext {
  conversationId: string;
  channel: ChannelId;
  /** Epoch ms at which the turn began: the channel's wait budget counts from here. */
  startedAt: number;
}

/** Answers an in-domain question no standard question matched, from knowledge/ only. */
export interface LongTailAnswerer {
  answer(question: string, context: LlmTurnContext): Promise<LongTailAnswer | null>;
}

/** One earlier line of the conversation, as the rewriter sees it. */
export interface ConversationLine {
  speaker: 'customer' | 'bot';
  text: string;
}

/** Turns an elliptical follow-up ("那创业板呢？") into a question that stands on its own. */
export interface FollowUpRewriter {
  /** The standalone question, or null when the model cannot tell (or says it is already whole). */
  rewrite(
    followUp: string,
    history: readonly ConversationLine[],
    context: LlmTurnContext,
  ): Promise<string | null>;
}

export interface HandoffSummaryInput {
  /** The whole transcript as rendered for the desk: already masked. */
  transcriptText: string;
  /** Why the conversation goes to a human, in words (客户要求转人工...). */
  reasonText: string;
}

/** Writes the few lines an agent reads before taking a conversation. */
export interface HandoffSummarizer {
  /** Plain text (what the customer wants, what was tried, mood), or null. */
  summarize(input: HandoffSummaryInput): Promise<string | null>;
}

/** The LLM layer as built by main.ts from its settings; a use that is off is absent. */
export interface LlmPorts {
  answerer?: LongTailAnswerer;
  rewriter?: FollowUpRewriter;
  summarizer?: HandoffSummarizer;
}
