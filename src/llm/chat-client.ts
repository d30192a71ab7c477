// The one way text reaches the model: langchain's OpenAI-compatible chat model behind a guard
// that masks personal data in every message, enforces the caller's time budget, and goes through
// the circuit breaker and the concurrency bound. Failures come back as values, never as throws.
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { ChatOpenAICompletions } from '@langchain/openai';
import { maskPersonalData } from '../compliance/index.ts';
import type { CircuitBreaker, ConcurrencyLimit } from './resilience.ts';
import type { LlmSettings } from './settings.ts';

export interface PromptMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A chat model as the layer uses it; the langchain one in production, fakes in unit tests. */
export interface ChatModel {
  readonly model: string;
  complete(messages: PromptMessage[], options: { signal: AbortSignal }): Promise<string>;
}

export type Completion =
  | { ok: true; text: string }
  | {
      ok: false;
      reason: 'no_time' | 'circuit_open' | 'busy' | 'timeout' | 'failed';
      detail?: string;
    };

// Below this no answer can come back in time; do not start a request the customer cannot use.
const MIN_USEFUL_MS = 250;

/**
 * langchain's ChatOpenAICompletions on the configured base URL: the Chat Completions API every
 * OpenAI-compatible server speaks (vLLM, Ollama, DashScope compatible mode, DeepSeek, GLM), not
 * the Responses API only OpenAI has. No retries: the caller's budget has no room for them.
 */
export function langchainChatModel(settings: LlmSettings, maxTokens: number): ChatModel {
  const chat = new ChatOpenAICompletions({
    model: settings.model,
    // An empty key would make the client fall back to OPENAI_API_KEY from the environment.
    apiKey: settings.apiKey || 'none',
    configuration: { baseURL: settings.baseUrl },
    temperature: 0,
    maxTokens,
    maxRetries: 0,
    streaming: settings.streaming,
    // stream_options is an OpenAI extension several compatible servers reject.
    streamUsage: false,
  });
  const toLangchain = (m: PromptMessage): BaseMessage =>
    m.role === 'system'
      ? new SystemMessage(m.content)
      : m.role === 'user'
        ? new HumanMessage(m.content)
        : new AIMessage(m.content);
  return {
    model: settings.model,
    async complete(messages, { signal }) {
      const input = messages.map(toLangchain);
      if (!settings.streaming) return (await chat.invoke(input, { signal })).text;
      // stream() rather than invoke(): invoke's streaming path estimates token counts with a
      // tokenizer it downloads from the internet.
      let text = '';
      for await (const chunk of await chat.stream(input, { signal })) text += chunk.text;
      return text;
    },
  };
}

export interface GuardedChatDeps {
  breaker: CircuitBreaker;
  limit: ConcurrencyLimit;
  log: (message: string) => void;
}

/** Masks, bounds and times every request of one model. */
export class GuardedChat {
  constructor(
    private readonly chat: ChatModel,
    private readonly deps: GuardedChatDeps,
  ) {}

  get model(): string {
    return this.chat.model;
  }

  async complete(messages: PromptMessage[], timeoutMs: number): Promise<Completion> {
    if (timeoutMs < MIN_USEFUL_MS) return { ok: false, reason: 'no_time' };
    const release = this.deps.limit.tryAcquire();
    if (!release) return { ok: false, reason: 'busy' };
    if (!this.deps.breaker.allow()) {
      release();
      return { ok: false, reason: 'circuit_open' };
    }
    // The same masking as Slack: no ID, phone or card number reaches a model, inside or outside.
    const masked = messages.map((m) => ({ role: m.role, content: maskPersonalData(m.content) }));
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error(`no answer within ${timeoutMs} ms`));
        resolve('timeout');
      }, timeoutMs);
    });
    try {
      // The race makes the budget hold even if a client library ignores the abort signal.
      const result = await Promise.race([
        this.chat.complete(masked, { signal: controller.signal }),
        deadline,
      ]);
      if (result === 'timeout') {
        this.deps.breaker.failure();
        return { ok: false, reason: 'timeout' };
      }
      this.deps.breaker.success();
      return { ok: true, text: result };
    } catch (error) {
      this.deps.breaker.failure();
      if (controller.signal.aborted) return { ok: false, reason: 'timeout' };
      const detail = error instanceof Error ? error.message : String(error);
      this.deps.log(`llm: request failed: ${maskPersonalData(detail)}`);
      return { ok: false, reason: 'failed', detail };
    } finally {
      clearTimeout(timer);
      release();
    }
  }
}
