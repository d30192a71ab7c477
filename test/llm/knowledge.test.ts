import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTermAnalyzer } from '../../src/llm/bm25.ts';
import { loadKnowledge, parseKnowledgeDocument } from '../../src/llm/knowledge.ts';
import { KnowledgeRetriever } from '../../src/llm/retriever.ts';
import { contentReading } from '../../src/nlu/engine.ts';
import { shippedKnowledge } from './support.ts';

const FIRM = { hotline: '95000', bankTransferHours: '交易日 9:00-16:00' };

describe('parseKnowledgeDocument', () => {
  const doc = [
    '# 银证转账',
    '',
    '> 资料截至2026年11月。',
    '',
    '## 转账时间',
    '',
    '本公司为{firm.bankTransferHours}，以本公司规定为准。【券商惯例】[S59][S60]',
    '<!-- 限额未核实 -->',
    '',
    '### 节假日',
    '',
    '遇节假日顺延，**不办理**转账。',
    '',
    '## 来源',
    '',
    '- [S59] 某网页',
  ].join('\n');

  it('splits by heading, fills firm values and drops reviewer marks and source lists', () => {
    const parsed = parseKnowledgeDocument(doc, 'knowledge/transfer.md', FIRM);
    expect(parsed.title).toBe('银证转账');
    expect(parsed.issues).toEqual([]);
    expect(parsed.passages.map((p) => [p.section, p.line, p.text])).toEqual([
      ['银证转账', 1, '> 资料截至2026年11月。'],
      ['转账时间', 5, '本公司为交易日 9:00-16:00，以本公司规定为准。'],
      ['转账时间 › 节假日', 10, '遇节假日顺延，不办理转账。'],
    ]);
    expect(parsed.passages[1]!.id).toBe('knowledge/transfer.md#2');
  });

  it('reports a document without a title, or with two, at its line', () => {
    expect(parseKnowledgeDocument('## 无标题\n正文', 'knowledge/a.md', FIRM).issues).toEqual([
      {
        file: 'knowledge/a.md',
        line: 1,
        message: 'the # title must come first',
        severity: 'error',
      },
      { file: 'knowledge/a.md', line: 1, message: 'document has no # title', severity: 'error' },
    ]);
    const two = parseKnowledgeDocument('# 一\n正文\n# 二\n正文', 'knowledge/b.md', FIRM);
    expect(two.issues).toEqual([
      { file: 'knowledge/b.md', line: 3, message: 'a document has one # title', severity: 'error' },
    ]);
  });

  it('cuts a long section at paragraph breaks, keeping its heading on every piece', () => {
    const long = [
      '# 长文',
      '## 规则',
      ...Array.from({ length: 12 }, (_, i) => `- 第${i + 1}条：${'内容'.repeat(40)}`),
    ];
    const parsed = parseKnowledgeDocument(long.join('\n'), 'knowledge/long.md', FIRM);
    expect(parsed.passages.length).toBeGreaterThan(1);
    for (const p of parsed.passages) {
      expect(p.section).toBe('规则');
      expect(p.text.length).toBeLessThanOrEqual(900);
    }
    expect(parsed.passages.map((p) => p.text).join('\n')).toContain('第12条');
  });
});

describe('loadKnowledge', () => {
  it('reads Markdown in subfolders, skips README.md, and is empty without the folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'csbot-knowledge-'));
    expect(loadKnowledge({ rootDir: root, firm: FIRM })).toEqual({
      documents: [],
      passages: [],
      issues: [],
    });
    mkdirSync(join(root, 'knowledge', 'fees'), { recursive: true });
    writeFileSync(join(root, 'knowledge', 'README.md'), '# 写作说明\n\n这里不是资料。');
    writeFileSync(
      join(root, 'knowledge', 'fees', 'stamp.md'),
      '# 印花税\n\n## 税率\n\n卖方0.05%。',
    );
    const base = loadKnowledge({ rootDir: root, firm: FIRM });
    expect(base.documents).toEqual([{ file: 'knowledge/fees/stamp.md', title: '印花税' }]);
    expect(base.passages.map((p) => p.text)).toEqual(['卖方0.05%。']);
  });

  it('loads the shipped documents without issues, none stating an unconfirmed item', () => {
    const { knowledge } = shippedKnowledge();
    expect(knowledge.issues).toEqual([]);
    expect(knowledge.documents.length).toBeGreaterThanOrEqual(5);
    const all = knowledge.passages.map((p) => p.text).join('\n');
    expect(all).not.toMatch(/UNCONFIRMED|\{firm\.|【|\[S\d/);
    // Outdated or unconfirmed figures from the facts sheet stay out.
    expect(all).not.toContain('50万股');
    expect(all).not.toMatch(/转托管费[^。]*30元/);
    expect(all).toContain('以本公司规定为准');
  });
});

describe('KnowledgeRetriever', () => {
  const { content, knowledge } = shippedKnowledge();
  const { tokenizer, synonyms } = contentReading(content);
  const retriever = new KnowledgeRetriever(
    knowledge.passages,
    createTermAnalyzer(tokenizer, synonyms),
  );
  const top = (q: string) => retriever.rank(q)[0]?.metadata.section;

  it('ranks the passage that answers the question first', () => {
    expect(top('临时停牌多久')).toBe('新股上市初期的价格限制与临时停牌');
    expect(top('印花税是多少')).toBe('印花税');
    expect(top('卖出股票的钱什么时候能取')).toBe('卖出股票后的资金什么时候能用、能取');
    expect(top('弃购会怎么样')).toBe('中签后放弃认购（弃购）的后果');
    expect(top('投服中心可以调解吗')).toBe('纠纷调解');
    expect(top('融券保证金比例')).toBe('融资融券（两融）');
  });

  it('reads synonyms and traditional characters like the classifier', () => {
    expect(top('賣出股票的錢多久能提現')).toBe('卖出股票后的资金什么时候能用、能取');
  });

  it('finds nothing for questions the documents do not cover', () => {
    expect(retriever.rank('今天天气怎么样')).toEqual([]);
    expect(retriever.rank('你们公司楼下有停车场吗')).toEqual([]);
  });

  it('works as a langchain retriever', async () => {
    const docs = await retriever.invoke('印花税是多少');
    expect(docs[0]?.metadata).toMatchObject({
      title: '交易费用与税费',
      file: 'knowledge/fees-and-taxes.md',
      section: '印花税',
    });
    expect(docs[0]?.pageContent).toContain('0.05%');
  });
});
