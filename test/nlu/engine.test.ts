// The NLU engine as the app builds it: classifier, entities, and the board rule for permissions.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContent } from '../../src/content/load.ts';
import { boardPermissionHint, buildNluEngine } from '../../src/nlu/engine.ts';
import { createFakeClassifier } from '../../src/nlu/fake-classifier.ts';
import type { NluResult } from '../../src/nlu/types.ts';

const content = loadContent({ rootDir: join(import.meta.dirname, '..', '..') });
// The fake hears only "权限" and always guesses the BSE permission: the board must correct it.
const engine = buildNluEngine(content, {
  classifierOverride: createFakeClassifier({ 'faq.permission_bse': ['权限'] }),
});

describe('board permission hint', () => {
  it.each([
    ['买腾讯要开什么权限', 'faq.permission_hk_connect'],
    ['300750需要什么权限才能买', 'faq.permission_chinext'],
    ['688981要开通什么权限', 'faq.permission_star'],
    ['830799要什么权限', 'faq.permission_bse'],
  ])('%s -> %s', (text, intent) => {
    const result = engine.analyze(text);
    expect(result.intent).toBe(intent);
    expect(result.confidence).toBeGreaterThanOrEqual(0.9);
  });

  it('keeps what the classifier thought among the alternatives', () => {
    const result = engine.analyze('买腾讯要开什么权限');
    expect(result.alternatives[0]?.intent).toBe('faq.permission_bse');
  });

  it('leaves the classifier alone without a permission question, a special board, or with two boards', () => {
    expect(engine.analyze('腾讯今天的行情').intent).toBe('out_of_scope');
    expect(engine.analyze('茅台要开什么权限').intent).toBe('faq.permission_bse'); // main board
    expect(engine.analyze('腾讯和688981要开什么权限').intent).toBe('faq.permission_bse');
  });

  it('never names an intent the content does not define', () => {
    const result: NluResult = {
      intent: 'out_of_scope',
      confidence: 0.2,
      alternatives: [],
      entities: [
        { type: 'stock_code', value: '688981', start: 0, end: 6, normalized: '688981.SH' },
      ],
    };
    expect(boardPermissionHint('688981权限', result, ['out_of_scope']).intent).toBe('out_of_scope');
    expect(boardPermissionHint('688981权限', result, ['faq.permission_star']).intent).toBe(
      'faq.permission_star',
    );
  });
});
