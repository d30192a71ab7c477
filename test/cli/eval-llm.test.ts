// `csbot eval llm` against the fake OpenAI-compatible server: a model that quotes its passages,
// invents one figure, and declines what the documents do not cover.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateLlm, parseEvalCases, type LlmEvalReport } from '../../src/cli/eval-llm.ts';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.ts';
import { answerJson, passagesIn, userText } from '../llm/support.ts';

const root = join(import.meta.dirname, '..', '..');
const INVENTS = '过户费是怎么收的';

let fake: FakeOpenAi;

beforeAll(async () => {
  fake = await startFakeOpenAi({ apiKey: 'sk-eval', model: 'glm-test' });
  const answerable = parseEvalCases(
    await import('node:fs').then((fs) =>
      fs.readFileSync(join(root, 'knowledge', 'eval', 'grounded-qa.jsonl'), 'utf8'),
    ),
    'grounded-qa.jsonl',
  )
    .filter((c) => c.expect === 'answer')
    .map((c) => c.question);
  fake.respond((request) => {
    const prompt = userText(fake, request);
    const question = /<<<\n([\s\S]*?)\n>>>/.exec(prompt)?.[1] ?? '';
    if (!answerable.includes(question)) return answerJson('', []);
    const [first] = passagesIn(prompt).values();
    // Quote the first sentence of the best passage (after its heading line).
    const body = (first ?? '').split('\n').slice(1).join('\n');
    const sentence = /[^。\n]+。/.exec(body)?.[0] ?? body;
    return answerJson(question === INVENTS ? `${sentence}每笔最低收1元。` : sentence, ['K1']);
  });
});
afterAll(async () => {
  await fake.close();
});

function expectConsistent(report: LlmEvalReport): void {
  expect(report.n).toBe(20);
  expect(report.answered + report.refused + report.unavailable + report.unparseable).toBe(20);
}

describe('csbot eval llm', () => {
  it('reports groundedness, refusal rates and source accuracy', async () => {
    const report = await evaluateLlm({
      rootDir: root,
      env: {},
      baseUrl: fake.baseUrl,
      model: 'glm-test',
      apiKey: 'sk-eval',
    });
    expectConsistent(report);
    expect(report.model).toBe('glm-test');
    expect(report.unavailable).toBe(0);
    expect(report.answered).toBe(14);
    // Every answer but the one with the invented 1元 is grounded.
    expect(report.groundedness).toBeCloseTo(13 / 14, 4);
    const invented = report.items.find((i) => i.question === INVENTS)!;
    expect(invented.grounded).toBe(false);
    expect(invented.reasons.join()).toContain('「1」');
    expect(report.falseRefusalRate).toBe(0);
    expect(report.correctRefusalRate).toBe(1);
    expect(report.refusalRate).toBe(0.3);
    // Retrieval puts the expected document first for every answerable question.
    expect(report.sourceAccuracy).toBe(1);
  });

  it('runs from the command line with --json', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(root, 'bin', 'csbot.js'),
        'eval',
        'llm',
        '--base-url',
        fake.baseUrl,
        '--model',
        'glm-test',
        '--api-key',
        'sk-eval',
        '--streaming',
        '--json',
      ],
      { cwd: root, timeout: 60_000, env: { ...process.env, LLM_MODEL: '', LLM_API_KEY: '' } },
    );
    const report = JSON.parse(stdout) as LlmEvalReport;
    expectConsistent(report);
    expect(report.groundedness).toBeCloseTo(13 / 14, 4);
    expect(fake.requests.at(-1)!.stream).toBe(true);
  });

  it('says what is missing instead of failing obscurely', async () => {
    await expect(evaluateLlm({ rootDir: root, env: {} })).rejects.toThrow(/--base-url/);
    await expect(evaluateLlm({ rootDir: root, env: {}, baseUrl: fake.baseUrl })).rejects.toThrow(
      /LLM_MODEL/,
    );
    expect(() => parseEvalCases('{"question":"x","expect":"maybe"}', 'f.jsonl')).toThrow(
      'f.jsonl:1: "expect" must be "answer" or "refuse"',
    );
  });
});
