// Builds the LLM layer the way main.ts does (shipped knowledge/, the content's tokenizer and
// synonyms, the real langchain client) against the fake OpenAI-compatible server.
import { join } from 'node:path';
import type { LlmTurnContext } from '../../src/core/llm-ports.ts';
import { loadContent, type LoadedContent } from '../../src/content/load.ts';
import { createLlmLayer, loadKnowledge, type LlmLayer } from '../../src/llm/index.ts';
import type { KnowledgeBase } from '../../src/llm/knowledge.ts';
import type { LlmSettings } from '../../src/llm/settings.ts';
import { contentReading } from '../../src/nlu/engine.ts';
import type { FakeOpenAi, FakeOpenAiRequest } from '../support/fake-openai.ts';

export const ROOT = join(import.meta.dirname, '..', '..');

let cached: { content: LoadedContent; knowledge: KnowledgeBase } | null = null;
export function shippedKnowledge(): { content: LoadedContent; knowledge: KnowledgeBase } {
  if (cached) return cached;
  const content = loadContent({ rootDir: ROOT });
  cached = { content, knowledge: loadKnowledge({ rootDir: ROOT, firm: content.firm }) };
  return cached;
}

export function settingsFor(fake: FakeOpenAi, over: Partial<LlmSettings> = {}): LlmSettings {
  return {
    baseUrl: fake.baseUrl,
    apiKey: fake.apiKey,
    model: fake.model,
    uses: ['answer', 'summary', 'rewrite'],
    withheld: [],
    providerLocation: 'internal',
    streaming: false,
    turnTimeoutMs: 5000,
    passiveWindowTimeoutMs: 3000,
    summaryTimeoutMs: 5000,
    maxConcurrency: 4,
    breakerFailures: 5,
    breakerCooldownMs: 30_000,
    ...over,
  };
}

export function layerFor(
  fake: FakeOpenAi,
  over: Partial<LlmSettings> = {},
  logs: string[] = [],
): LlmLayer {
  const { content, knowledge } = shippedKnowledge();
  return createLlmLayer(settingsFor(fake, over), {
    knowledge,
    firm: content.firm,
    ...contentReading(content),
    log: (m) => logs.push(m),
  });
}

export function turn(channel: LlmTurnContext['channel'] = 'web'): LlmTurnContext {
  return {
    conversationId: `c-${Math.random().toString(36).slice(2)}`,
    channel,
    startedAt: Date.now(),
  };
}

/** The [Kn] passages of a grounded-answer prompt: number -> heading line and text. */
export function passagesIn(prompt: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of prompt.matchAll(/\[(K\d+)\] ([\s\S]*?)(?=\n\n\[K\d+\] |\n\n客户问题：)/g)) {
    out.set(m[1] ?? '', m[2] ?? '');
  }
  return out;
}

export function userText(fake: FakeOpenAi, request: FakeOpenAiRequest): string {
  return fake.promptOf({ ...request, messages: request.messages.filter((m) => m.role === 'user') });
}

/** The request's kind, from its system prompt. */
export function useOf(request: FakeOpenAiRequest): 'answer' | 'rewrite' | 'summary' {
  const system = String(request.messages[0]?.content ?? '');
  if (system.includes('只能依据「资料」')) return 'answer';
  if (system.includes('追问')) return 'rewrite';
  return 'summary';
}

export const answerJson = (answer: string, sources: string[]) =>
  JSON.stringify({ answer, sources });
