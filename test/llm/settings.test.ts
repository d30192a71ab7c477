import { describe, expect, it } from 'vitest';
import { isFirmHost, llmSettingsFromEnv } from '../../src/llm/settings.ts';

const BASE = { LLM_BASE_URL: 'http://10.1.2.3:8000/v1/', LLM_MODEL: 'qwen2.5-7b-instruct' };

describe('llmSettingsFromEnv', () => {
  it('is off without LLM_BASE_URL', () => {
    expect(llmSettingsFromEnv({})).toBeNull();
    expect(llmSettingsFromEnv({ LLM_MODEL: 'x', LLM_API_KEY: 'k' })).toBeNull();
  });

  it('reads a local model with the defaults', () => {
    expect(llmSettingsFromEnv(BASE)).toEqual({
      baseUrl: 'http://10.1.2.3:8000/v1',
      apiKey: '',
      model: 'qwen2.5-7b-instruct',
      uses: ['answer', 'summary'],
      withheld: [],
      providerLocation: 'internal',
      streaming: false,
      turnTimeoutMs: 8000,
      passiveWindowTimeoutMs: 3000,
      summaryTimeoutMs: 20_000,
      maxConcurrency: 4,
      breakerFailures: 5,
      breakerCooldownMs: 30_000,
    });
  });

  it('reads an empty setting as unset, as a copied .env.example has them', () => {
    expect(
      llmSettingsFromEnv({
        ...BASE,
        LLM_USES: '',
        LLM_PROVIDER_LOCATION: '',
        LLM_EXTERNAL_USES: '',
        LLM_TIMEOUT_MS: '',
      }),
    ).toMatchObject({
      uses: ['answer', 'summary'],
      providerLocation: 'internal',
      turnTimeoutMs: 8000,
    });
  });

  it('sends nothing to a provider outside the firm unless the use is allowed there', () => {
    const cloud = { LLM_BASE_URL: 'https://api.deepseek.com/v1', LLM_MODEL: 'deepseek-chat' };
    const none = llmSettingsFromEnv({ ...cloud, LLM_USES: 'answer,summary,rewrite' });
    expect(none).toMatchObject({ providerLocation: 'external', uses: [] });
    expect(none?.withheld).toEqual(['answer', 'summary', 'rewrite']);
    const some = llmSettingsFromEnv({
      ...cloud,
      LLM_USES: 'answer,summary,rewrite',
      LLM_EXTERNAL_USES: 'answer, rewrite',
    });
    expect(some).toMatchObject({ uses: ['answer', 'rewrite'], withheld: ['summary'] });
    // A firm-hosted gateway on a public name is declared internal explicitly.
    expect(llmSettingsFromEnv({ ...cloud, LLM_PROVIDER_LOCATION: 'internal' })?.uses).toEqual([
      'answer',
      'summary',
    ]);
  });

  it('refuses to start while langchain tracing would copy prompts to LangSmith', () => {
    expect(() => llmSettingsFromEnv({ ...BASE, LANGSMITH_TRACING: 'true' })).toThrow(
      /LANGSMITH_TRACING/,
    );
    expect(() => llmSettingsFromEnv({ ...BASE, LANGCHAIN_TRACING_V2: 'true' })).toThrow(
      /LangSmith/,
    );
    expect(llmSettingsFromEnv({ ...BASE, LANGSMITH_TRACING: 'false' })).not.toBeNull();
  });

  it('names the setting in every error', () => {
    expect(() => llmSettingsFromEnv({ LLM_BASE_URL: 'http://x:1/v1' })).toThrow(/LLM_MODEL/);
    expect(() => llmSettingsFromEnv({ ...BASE, LLM_BASE_URL: 'localhost:8000' })).toThrow(
      /LLM_BASE_URL/,
    );
    expect(() => llmSettingsFromEnv({ ...BASE, LLM_USES: 'answer,chat' })).toThrow(
      /LLM_USES: unknown use "chat"/,
    );
    expect(() => llmSettingsFromEnv({ ...BASE, LLM_TIMEOUT_MS: 'soon' })).toThrow(/LLM_TIMEOUT_MS/);
    expect(() => llmSettingsFromEnv({ ...BASE, LLM_WECHAT_TIMEOUT_MS: '4800' })).toThrow(
      /5 s window/,
    );
    expect(() => llmSettingsFromEnv({ ...BASE, LLM_STREAMING: 'maybe' })).toThrow(/LLM_STREAMING/);
    expect(() => llmSettingsFromEnv({ ...BASE, LLM_PROVIDER_LOCATION: 'cloud' })).toThrow(
      /LLM_PROVIDER_LOCATION/,
    );
  });
});

describe('isFirmHost', () => {
  it('tells addresses inside the firm from the internet', () => {
    for (const host of [
      'localhost',
      '127.0.0.1',
      '10.0.0.5',
      '192.168.1.20',
      '172.20.0.3',
      'vllm',
      'llm.internal',
      '[::1]',
      'fd12:3456::1',
    ]) {
      expect(isFirmHost(host), host).toBe(true);
    }
    for (const host of [
      'api.deepseek.com',
      'dashscope.aliyuncs.com',
      '172.32.0.1',
      '8.8.8.8',
      'open.bigmodel.cn',
    ]) {
      expect(isFirmHost(host), host).toBe(false);
    }
  });
});
