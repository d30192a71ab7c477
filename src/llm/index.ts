// Builds the optional LLM layer from its settings: one guarded langchain chat model per use, the
// knowledge retriever, and the ports the core uses (src/core/llm-ports.ts). main.ts imports this
// module only when LLM_BASE_URL is set, so langchain is not even loaded otherwise.
import type { FirmSettings } from '../content/types.ts';
import type { LlmPorts, LlmTurnContext } from '../core/llm-ports.ts';
import type { SynonymTable } from '../nlu/synonyms.ts';
import type { Tokenizer } from '../nlu/tokenize.ts';
import { createTermAnalyzer } from './bm25.ts';
import { GuardedChat, langchainChatModel, type ChatModel } from './chat-client.ts';
import { createFollowUpRewriter } from './follow-up-rewriter.ts';
import { createGroundedAnswerer, type GroundedAnswerer } from './grounded-answerer.ts';
import { createHandoffSummarizer } from './handoff-summarizer.ts';
import type { KnowledgeBase } from './knowledge.ts';
import { CircuitBreaker, ConcurrencyLimit } from './resilience.ts';
import { KnowledgeRetriever, type KnowledgeRetrieverOptions } from './retriever.ts';
import { PASSIVE_WINDOW_CHANNELS, type LlmSettings, type LlmUse } from './settings.ts';

export { llmSettingsFromEnv, type LlmSettings } from './settings.ts';
export { loadKnowledge, type KnowledgeBase } from './knowledge.ts';

// Room for the answer's JSON, a rewritten question, a three-line summary.
const MAX_TOKENS: Record<LlmUse, number> = { answer: 600, rewrite: 80, summary: 400 };
// Summaries wait beside the turn; they must not take the slots customers are waiting on.
const SUMMARY_CONCURRENCY = 2;

export interface LlmLayerDeps {
  knowledge: KnowledgeBase;
  firm: FirmSettings;
  /** The content's own reading of text (contentReading in src/nlu/engine.ts). */
  tokenizer: Tokenizer;
  synonyms?: SynonymTable;
  retrieval?: KnowledgeRetrieverOptions;
  /** Replaces the langchain model (unit tests); production leaves it out. */
  chatModel?: (use: LlmUse, maxTokens: number) => ChatModel;
  now?: () => number;
  log?: (message: string) => void;
}

export interface LlmLayer extends LlmPorts {
  answerer?: GroundedAnswerer;
  retriever: KnowledgeRetriever;
  breaker: CircuitBreaker;
  settings: LlmSettings;
}

export function createLlmLayer(settings: LlmSettings, deps: LlmLayerDeps): LlmLayer {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? ((m: string) => console.warn(m));
  const breaker = new CircuitBreaker({
    failures: settings.breakerFailures,
    cooldownMs: settings.breakerCooldownMs,
    now,
  });
  const turnLimit = new ConcurrencyLimit(settings.maxConcurrency);
  const summaryLimit = new ConcurrencyLimit(Math.min(SUMMARY_CONCURRENCY, settings.maxConcurrency));
  const chatFor = (use: LlmUse): GuardedChat =>
    new GuardedChat(
      deps.chatModel?.(use, MAX_TOKENS[use]) ?? langchainChatModel(settings, MAX_TOKENS[use]),
      { breaker, limit: use === 'summary' ? summaryLimit : turnLimit, log },
    );
  // The customer's wait counts from the start of the turn, across rewrite and answer.
  const budgetMs = (context: LlmTurnContext): number => {
    const cap = PASSIVE_WINDOW_CHANNELS.includes(context.channel)
      ? Math.min(settings.passiveWindowTimeoutMs, settings.turnTimeoutMs)
      : settings.turnTimeoutMs;
    return Math.max(0, Math.min(cap, context.startedAt + cap - now()));
  };
  const retriever = new KnowledgeRetriever(
    deps.knowledge.passages,
    createTermAnalyzer(deps.tokenizer, deps.synonyms),
    deps.retrieval,
  );
  const on = (use: LlmUse) => settings.uses.includes(use);
  return {
    settings,
    breaker,
    retriever,
    ...(on('answer') && retriever.size > 0
      ? {
          answerer: createGroundedAnswerer({
            chat: chatFor('answer'),
            retriever,
            budgetMs,
            firmName: deps.firm.firmName ?? '',
            log,
          }),
        }
      : {}),
    ...(on('rewrite')
      ? { rewriter: createFollowUpRewriter({ chat: chatFor('rewrite'), budgetMs, log }) }
      : {}),
    ...(on('summary')
      ? {
          summarizer: createHandoffSummarizer({
            chat: chatFor('summary'),
            timeoutMs: settings.summaryTimeoutMs,
            log,
          }),
        }
      : {}),
  };
}
