// Re-asking a question in other words: the node's own `reask`, then sentences from its label; a
// question without a label by its prompt's question sentence.
import { describe, expect, it } from 'vitest';
import { parseDialogFile } from '../../src/dialog/loader.ts';
import { notUnderstood, readsAsQuestion, reaskText, reaskTexts } from '../../src/dialog/reask.ts';
import type { WaitingNode } from '../../src/dialog/types.ts';

const DIALOG = `
id: form
title: 登记
start: name
nodes:
  name: { kind: ask, slot: name, label: 姓名, type: name, prompt: 请问怎么称呼您？, reask: 请问您本人的姓名是？, onFail: done, next: kind }
  kind:
    kind: choice
    slot: kind
    label: 类别
    prompt: 请选择类别？
    options: [甲, 乙]
    onFail: done
    next: sure
  sure:
    kind: choice
    prompt: 信息如上。需要为您提交吗？请回复「是」或「否」。
    options: [是, 否]
    onFail: done
    next: done
  plain: { kind: ask, slot: x, type: text, prompt: 请描述经过, onFail: done, next: done }
  done: { kind: end }
`;
const [dialog] = parseDialogFile(DIALOG, 'dialogs/form.yaml', []);
const node = (id: string): WaitingNode => dialog?.nodes[id] as WaitingNode;

describe('the words of a re-ask', () => {
  it('starts with the node reask, then sentences from the label, all questions', () => {
    const texts = reaskTexts(node('name'));
    expect(texts[0]).toBe('请问您本人的姓名是？');
    expect(texts.slice(1).every((t) => t.includes('姓名'))).toBe(true);
    expect(texts.every(readsAsQuestion)).toBe(true);
    expect(new Set(texts).size).toBe(texts.length);
    expect(texts).not.toContain(node('name').prompt[0]);
  });
  it('cycles, so two re-asks in a row are never the same words', () => {
    for (const id of ['name', 'kind', 'sure', 'plain'])
      expect(reaskText(node(id), 1), id).not.toBe(reaskText(node(id), 0));
    expect(reaskText(node('name'), reaskTexts(node('name')).length)).toBe('请问您本人的姓名是？');
  });
  it('asks a choice by its label, and a question without a label by its question sentence', () => {
    expect(reaskText(node('kind'), 0)).toBe('请问类别选哪一项？');
    expect(reaskText(node('sure'), 0)).toBe('需要为您提交吗？');
  });
  it('says what did not fit, "still" once the reprompt was said', () => {
    expect(notUnderstood(node('name'), false)).toBe('抱歉，没能识别您的姓名。');
    expect(notUnderstood(node('name'), true)).toBe('抱歉，还是没能识别您的姓名。');
    expect(notUnderstood(node('kind'), true)).toBe('抱歉，还是没能确认您选的是哪一项。');
    expect(notUnderstood(node('plain'), false)).toBe('');
  });
});

describe('reads as a question', () => {
  it.each([
    ['请问您的姓名是？', true],
    ['还有什么意见或建议吗？（可回复「跳过」）', true],
    ['请告诉我您的姓名。', false],
    ['请选择投诉类别：', false],
  ])('%s: %s', (text, asks) => {
    expect(readsAsQuestion(text)).toBe(asks);
  });
});
