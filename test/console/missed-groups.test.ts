// Grouping what the bot missed: similar messages together (jieba words, characters, pinyin),
// the classifiers' majority topic, the not-understood trend, and snippets that `csbot lint`
// accepts when pasted into a copy of intents/.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupMissed, missedTrend } from '../../src/console/missed-groups.ts';
import type { MissedMessage } from '../../src/console/missed-store.ts';
import { collectContentIssues } from '../../src/cli/lint.ts';
import { loadContent, type LoadedContent } from '../../src/content/load.ts';
import { createTokenizer } from '../../src/nlu/tokenize.ts';

const root = join(import.meta.dirname, '..', '..');
const tokenizer = createTokenizer();

let seq = 0;
function message(text: string, over: Partial<MissedMessage> = {}): MissedMessage {
  seq += 1;
  return {
    id: `m${seq}`,
    at: new Date(Date.UTC(2026, 10, 20, 1, 0, seq)).toISOString(),
    channel: 'web',
    text,
    kind: 'not_understood',
    step: 1,
    intent: 'out_of_scope',
    confidence: 0.3,
    topic: 'faq.account_open',
    topicConfidence: 0.2,
    ...over,
  };
}

const passport = [
  message('开户能用护照吗', { intent: 'faq.account_open', confidence: 0.4 }),
  message('护照可以开户吗', { intent: 'faq.account_open', confidence: 0.5 }),
  message('外国护照能开户不', { intent: 'faq.account_open', confidence: 0.3 }),
  message('用护照开户行不行', { intent: 'faq.password_reset', confidence: 0.45 }),
  message('开户能用护照吗', {
    intent: 'faq.account_open',
    confidence: 0.6,
    kind: 'low_confidence',
  }),
];
const plans = [
  message('基金定投在哪里设置', { topic: 'faq.wealth_products', topicConfidence: 0.3 }),
  message('怎么设置基金定投', { topic: 'faq.wealth_products', topicConfidence: 0.2 }),
];
const lonely = [message('你们老板是谁', { topic: null, topicConfidence: 0 })];
const all = [...passport, ...plans, ...lonely];

describe('groupMissed', () => {
  it('puts similar messages together, largest group first, with counts and examples', () => {
    const groups = groupMissed(all, { tokenizer });
    expect(groups.map((g) => g.size)).toEqual([5, 2, 1]);
    const [first, second, third] = groups;
    expect(first!.examples).toEqual([
      '开户能用护照吗',
      '护照可以开户吗',
      '外国护照能开户不',
      '用护照开户行不行',
    ]);
    expect(first).toMatchObject({ notUnderstood: 4, lowConfidence: 1 });
    expect(second!.examples).toEqual(['基金定投在哪里设置', '怎么设置基金定投']);
    expect(third!.examples).toEqual(['你们老板是谁']);
    expect(first!.firstAt).toBe(passport[0]!.at);
    expect(first!.lastAt).toBe(passport[4]!.at);
  });

  it('names the topic most readings named, with their mean confidence and agreement', () => {
    const [first, second, third] = groupMissed(all, { tokenizer });
    // 4 of 5 readings said faq.account_open (0.4, 0.5, 0.3, 0.6): mean 0.45.
    expect(first).toMatchObject({
      likelyTopic: 'faq.account_open',
      confidence: 0.45,
      agreement: 0.8,
    });
    // Out-of-scope readings count for their best in-domain topic.
    expect(second).toMatchObject({
      likelyTopic: 'faq.wealth_products',
      confidence: 0.25,
      agreement: 1,
    });
    expect(third).toMatchObject({ likelyTopic: 'out_of_scope', agreement: 1 });
  });

  it('gives the same groups whatever order the messages come in', () => {
    const once = groupMissed(all, { tokenizer });
    const reversed = groupMissed([...all].reverse(), { tokenizer });
    expect(reversed).toEqual(once);
  });

  it('shows at most five examples and caps the number of groups', () => {
    const many = Array.from({ length: 8 }, (_, i) =>
      message(`护照开户${'可以吗行吗能吗好吗成吗对吗是吗要吗'.slice(i * 2, i * 2 + 2)}`),
    );
    const [group] = groupMissed(many, { tokenizer });
    expect(group!.size).toBeGreaterThan(5);
    expect(group!.examples).toHaveLength(5);
    expect(groupMissed(all, { tokenizer }, { maxGroups: 2 })).toHaveLength(2);
  });

  it('returns nothing for nothing', () => {
    expect(groupMissed([], { tokenizer })).toEqual([]);
  });
});

describe('missedTrend', () => {
  it('is the not-understood share of the messages read each day', () => {
    expect(
      missedTrend([
        { day: '2026-11-20', read: 8, notUnderstood: 2, lowConfidence: 1 },
        { day: '2026-11-21', read: 0, notUnderstood: 0, lowConfidence: 0 },
        { day: '2026-11-22', read: 3, notUnderstood: 1, lowConfidence: 0 },
      ]),
    ).toEqual([
      { day: '2026-11-20', share: 0.25, read: 8, notUnderstood: 2, lowConfidence: 1 },
      { day: '2026-11-21', share: null, read: 0, notUnderstood: 0, lowConfidence: 0 },
      { day: '2026-11-22', share: 0.333, read: 3, notUnderstood: 1, lowConfidence: 0 },
    ]);
  });
});

describe('the suggested YAML snippet', () => {
  let dir: string;
  let content: LoadedContent;
  let baseline: string[];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'csbot-snippet-'));
    for (const part of ['intents', 'dialogs', 'config', 'knowledge']) {
      cpSync(join(root, part), join(dir, part), { recursive: true });
    }
    content = loadContent({ rootDir: dir });
    baseline = errorsIn(dir);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function errorsIn(rootDir: string): string[] {
    return collectContentIssues(rootDir)
      .filter((i) => i.severity === 'error')
      .map((i) => i.message);
  }

  /** Pastes the snippet right below the target's examples: or similar: line, as an editor would. */
  function paste(
    snippet: string,
    target: { file: string; intent: string; question?: string; under: string },
  ): void {
    const path = join(dir, target.file);
    const lines = readFileSync(path, 'utf8').split('\n');
    const owner = target.question ?? target.intent;
    const start = lines.findIndex((l) =>
      new RegExp(`^\\s*- id: ${owner.replace('.', '\\.')}\\s*$`).test(l),
    );
    expect(start).toBeGreaterThanOrEqual(0);
    const at = lines.findIndex((l, i) => i > start && l.trim() === `${target.under}:`);
    lines.splice(at + 1, 0, ...snippet.trimEnd().split('\n'));
    writeFileSync(path, lines.join('\n'));
  }

  it('adds 相似问 under the standard question the readings leaned to, and csbot lint accepts it', () => {
    const withQuestion = passport.map((m) => ({ ...m, question: 'open.materials' }));
    // A text YAML would misread unquoted (a colon, a hash) is quoted in the snippet.
    const weird = message('开户要带护照: 还是身份证 #2', {
      intent: 'faq.account_open',
      question: 'open.materials',
    });
    const groups = groupMissed([...withQuestion, weird], { tokenizer, content });
    const group = groups.find((g) => g.examples.includes('开户能用护照吗'));
    const quoted = groups.find((g) => g.examples.includes(weird.text));
    expect(group!.snippetTarget).toEqual({
      file: 'intents/account.yaml',
      intent: 'faq.account_open',
      question: 'open.materials',
      under: 'similar',
    });
    expect(quoted!.snippetTarget).toEqual(group!.snippetTarget);
    paste(quoted!.snippet!, quoted!.snippetTarget!);
    expect(group!.snippet).toMatch(
      /^# intents\/account\.yaml · faq\.account_open · 标准问 open\.materials/,
    );
    paste(group!.snippet!, group!.snippetTarget!);
    expect(errorsIn(dir)).toEqual(baseline);
    const reloaded = loadContent({ rootDir: dir });
    const question = reloaded.intents
      .find((i) => i.id === 'faq.account_open')!
      .questions.find((q) => q.id === 'open.materials')!;
    expect(question.similar).toEqual(
      expect.arrayContaining(['开户能用护照吗', '护照可以开户吗', '开户要带护照: 还是身份证 #2']),
    );
  });

  it('adds examples to the likely topic when no question was named, and csbot lint accepts it', () => {
    const fresh = loadContent({ rootDir: dir });
    const [, group] = groupMissed(all, { tokenizer, content: fresh });
    expect(group!.snippetTarget).toEqual({
      file: 'intents/funds.yaml',
      intent: 'faq.wealth_products',
      under: 'examples',
    });
    paste(group!.snippet!, group!.snippetTarget!);
    expect(errorsIn(dir)).toEqual(baseline);
    const reloaded = loadContent({ rootDir: dir });
    expect(reloaded.intents.find((i) => i.id === 'faq.wealth_products')!.examples).toEqual(
      expect.arrayContaining(['基金定投在哪里设置', '怎么设置基金定投']),
    );
  });

  it('leaves out phrasings intents/ already holds, and offers no snippet when nothing is new', () => {
    const existing = content.intents.find((i) => i.id === 'faq.account_open')!.examples[0]!;
    const groups = groupMissed(
      [message(existing, { intent: 'faq.account_open', confidence: 0.55 })],
      { tokenizer, content },
    );
    expect(groups[0]).toMatchObject({ snippet: null, snippetTarget: null });
  });
});

describe('the likely standard question', () => {
  it('is dropped when it belongs to another topic than the likely one', () => {
    const content = loadContent({ rootDir: root });
    const strayed = [
      message('呜啦啦巴拉巴拉', {
        intent: 'chitchat.thanks',
        confidence: 0.5,
        question: 'open.materials',
      }),
    ];
    const [group] = groupMissed(strayed, { tokenizer, content });
    expect(group).toMatchObject({ likelyTopic: 'chitchat.thanks', likelyQuestion: null });
    expect(group!.snippetTarget).toMatchObject({ intent: 'chitchat.thanks', under: 'examples' });
    // Without the content to check against, the reading is shown as it came.
    expect(groupMissed(strayed, { tokenizer })[0]!.likelyQuestion).toBe('open.materials');
  });
});
