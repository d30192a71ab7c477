// The LLM layer's settings from LLM_* variables (called by config.ts; nothing else reads the
// environment). No LLM_BASE_URL: the layer is off and the bot behaves exactly as without it.
import type { ChannelId } from '../core/message.ts';

export type LlmUse = 'answer' | 'summary' | 'rewrite';
export const LLM_USES: readonly LlmUse[] = ['answer', 'summary', 'rewrite'];

export interface LlmSettings {
  /** OpenAI-compatible API root, e.g. http://10.0.0.5:8000/v1 (vLLM) or a provider's /v1. */
  baseUrl: string;
  /** Sent as the bearer token; local servers without auth accept any value. */
  apiKey: string;
  model: string;
  /** The uses that are on (after the provider-location rule below). */
  uses: LlmUse[];
  /** Uses asked for in LLM_USES but kept off because they may not leave the firm. */
  withheld: LlmUse[];
  /** Where the model runs: text sent to an external provider leaves the firm. */
  providerLocation: 'internal' | 'external';
  /** Ask for server-sent events instead of one JSON response. */
  streaming: boolean;
  /** Longest a customer waits for the model in one turn (rewrite and answer together). */
  turnTimeoutMs: number;
  /** The same on channels with a passive-reply window (WeChat's 5 s): must fit inside it. */
  passiveWindowTimeoutMs: number;
  /** Handoff summaries run beside the turn and may take longer. */
  summaryTimeoutMs: number;
  /** Requests in flight at once; more are refused at once rather than queued. */
  maxConcurrency: number;
  /** Consecutive failures that open the circuit (no requests until the cooldown passes). */
  breakerFailures: number;
  breakerCooldownMs: number;
}

export const DEFAULT_LLM_TIMEOUTS = {
  turnTimeoutMs: 8000,
  // WeChat drops a passive reply after 5 s and the adapter gives up at 4.5 s; the rest of the turn
  // (classification, transcript, state) needs its share.
  passiveWindowTimeoutMs: 3000,
  summaryTimeoutMs: 20_000,
} as const;

/** Channels whose customers get nothing if the turn misses the platform's reply window. */
export const PASSIVE_WINDOW_CHANNELS: readonly ChannelId[] = ['wechat-mp', 'wecom'];

type Env = Record<string, string | undefined>;

export function llmSettingsFromEnv(env: Env): LlmSettings | null {
  const baseUrl = env.LLM_BASE_URL?.trim();
  if (!baseUrl) return null;
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`LLM_BASE_URL must be a URL like http://127.0.0.1:8000/v1, got "${baseUrl}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error('LLM_BASE_URL must start with http:// or https://');
  const model = env.LLM_MODEL?.trim();
  if (!model) throw new Error('LLM_MODEL is required when LLM_BASE_URL is set');
  for (const name of ['LANGSMITH_TRACING', 'LANGCHAIN_TRACING_V2', 'LANGCHAIN_TRACING']) {
    // langchain would send every prompt to LangSmith, outside the firm.
    if (/^(true|1|yes)$/i.test(env[name]?.trim() ?? ''))
      throw new Error(
        `${name} must be off when the LLM layer is on: it sends prompts to LangSmith`,
      );
  }
  const asked = useList('LLM_USES', env.LLM_USES, ['answer', 'summary']);
  const location = providerLocation(env.LLM_PROVIDER_LOCATION, url);
  const allowedOutside = useList('LLM_EXTERNAL_USES', env.LLM_EXTERNAL_USES, []);
  const uses =
    location === 'internal' ? asked : asked.filter((use) => allowedOutside.includes(use));
  const passive = whole(
    'LLM_WECHAT_TIMEOUT_MS',
    env.LLM_WECHAT_TIMEOUT_MS,
    DEFAULT_LLM_TIMEOUTS.passiveWindowTimeoutMs,
  );
  if (passive > 4000)
    throw new Error("LLM_WECHAT_TIMEOUT_MS must leave room in WeChat's 5 s window (at most 4000)");
  return {
    baseUrl: url.toString().replace(/\/+$/, ''),
    apiKey: env.LLM_API_KEY?.trim() ?? '',
    model,
    uses,
    withheld: asked.filter((use) => !uses.includes(use)),
    providerLocation: location,
    streaming: flag('LLM_STREAMING', env.LLM_STREAMING, false),
    turnTimeoutMs: whole('LLM_TIMEOUT_MS', env.LLM_TIMEOUT_MS, DEFAULT_LLM_TIMEOUTS.turnTimeoutMs),
    passiveWindowTimeoutMs: passive,
    summaryTimeoutMs: whole(
      'LLM_SUMMARY_TIMEOUT_MS',
      env.LLM_SUMMARY_TIMEOUT_MS,
      DEFAULT_LLM_TIMEOUTS.summaryTimeoutMs,
    ),
    maxConcurrency: Math.max(1, whole('LLM_MAX_CONCURRENCY', env.LLM_MAX_CONCURRENCY, 4)),
    breakerFailures: Math.max(1, whole('LLM_BREAKER_FAILURES', env.LLM_BREAKER_FAILURES, 5)),
    breakerCooldownMs:
      1000 * whole('LLM_BREAKER_COOLDOWN_SECONDS', env.LLM_BREAKER_COOLDOWN_SECONDS, 30),
  };
}

/**
 * LLM_PROVIDER_LOCATION, or a guess from the host: loopback, private addresses and single-label or
 * .local/.internal names are inside the firm; anything else (a cloud API) is outside.
 */
function providerLocation(value: string | undefined, url: URL): 'internal' | 'external' {
  const set = value?.trim().toLowerCase();
  if (set === 'internal' || set === 'external') return set;
  if (set) throw new Error(`LLM_PROVIDER_LOCATION must be internal or external, got "${value}"`);
  return isFirmHost(url.hostname) ? 'internal' : 'external';
}

export function isFirmHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1' || (!host.includes('.') && !host.includes(':')))
    return true;
  if (/\.(local|internal|lan|intranet|corp)$/.test(host)) return true;
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(host);
  if (v4) {
    const a = Number(v4[1]);
    const b = Number(v4[2]);
    return a === 127 || a === 10 || (a === 192 && b === 168) || (a === 172 && b >= 16 && b <= 31);
  }
  return /^f[cd][0-9a-f]{2}:/.test(host);
}

function useList(name: string, value: string | undefined, fallback: LlmUse[]): LlmUse[] {
  if (value === undefined || value.trim() === '') return [...fallback];
  const items = value
    .split(/[,\s]+/)
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
  for (const item of items) {
    if (!LLM_USES.includes(item as LlmUse))
      throw new Error(`${name}: unknown use "${item}" (known: ${LLM_USES.join(', ')})`);
  }
  return [...new Set(items as LlmUse[])];
}

function whole(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${name} must be a whole number >= 0, got "${value}"`);
  return n;
}

function flag(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value.trim() === '') return fallback;
  if (/^(true|1|yes)$/i.test(value.trim())) return true;
  if (/^(false|0|no)$/i.test(value.trim())) return false;
  throw new Error(`${name} must be true or false, got "${value}"`);
}
