// Giving up on a form said in a sentence, told apart from declining one question and from a story
// that only mentions 算了.
import { describe, expect, it } from 'vitest';
import { givesUp, givesUpAmongOther, soundsResigned } from '../../src/dialog/giving-up.ts';

describe('a message that only gives up', () => {
  it.each([
    '唉算了算了 不投了 跟你说也没用',
    '不弄了，没意思',
    '算了不投诉了',
    '好吧 那就不留言了',
    '不投诉了，说了也白说，浪费时间',
    '懒得跟你说了',
    '算了吧',
    '放棄吧，不弄了',
  ])('%s gives up', (text) => {
    expect(givesUp(text)).toBe(true);
  });
  it.each([
    // Declining one question is the declined flow, not leaving the form.
    '不想说',
    '不方便',
    '不想投诉他本人',
    // A story that mentions 算了, or giving up called back in the same breath.
    '我本来想算了 但是越想越气',
    '算了 继续吧',
    '算了，不放弃，接着填',
    // Something else besides giving up: only read where nothing was answered.
    '算了，我还是直接打电话给营业部吧',
    '他们一直不处理',
    '唉',
  ])('%s does not give up as a whole', (text) => {
    expect(givesUp(text)).toBe(false);
  });
});

describe('giving up beside other words', () => {
  it('finds a clause that gives up, unless the customer goes on in the same message', () => {
    expect(givesUpAmongOther('算了，我还是直接打电话给营业部吧')).toBe(true);
    expect(givesUpAmongOther('不投了 我自己找营业部去')).toBe(true);
    expect(givesUpAmongOther('算了 继续吧')).toBe(false);
    expect(givesUpAmongOther('我本来想算了 但是越想越气')).toBe(false);
    expect(givesUpAmongOther('不想说')).toBe(false);
  });
  it('hears the frustration that is worth acknowledging', () => {
    expect(soundsResigned('唉算了 不投了 跟你说也没用')).toBe(true);
    expect(soundsResigned('不弄了，太麻烦了')).toBe(true);
    expect(soundsResigned('算了不投诉了')).toBe(false);
    expect(soundsResigned('好吧 那就不留言了')).toBe(false);
  });
});
