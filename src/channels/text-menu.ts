// Quick replies for channels that only show text (WeChat, wechaty, SMS-like Bot Framework
// channels): render them as a numbered menu, and map a typed number or label back to the choice.
import type { InboundContent, OutboundMessage, QuickReply } from '../core/message.ts';

export const MENU_PROMPT = '回复数字选择：';

/** `text`, then the numbered options: "回复数字选择：\n1. 个人开户\n2. 机构开户". */
export function renderTextMenu(
  text: string,
  quickReplies: readonly QuickReply[],
  prompt: string = MENU_PROMPT,
): string {
  if (quickReplies.length === 0) return text;
  const lines = quickReplies.map((reply, index) => `${index + 1}. ${reply.label}`);
  const head = text.trim() === '' ? [] : [text];
  return [...head, prompt, ...lines].join('\n');
}

export const MORE_PROMPT = '您也可以直接发送：';

/**
 * Each message of one reply as a text-only channel shows it, one numbered menu at most: the last
 * message with choices gets the numbers (it is what the customer answers now); choices offered
 * earlier in the same reply are listed by name, so a typed number is never ambiguous.
 */
export function textsOfReply(messages: readonly OutboundMessage[]): string[] {
  const numbered = messages.findLastIndex((m) => m.type === 'choices' && m.quickReplies.length > 0);
  return messages.map((message, index) => {
    if (message.type !== 'choices' || message.quickReplies.length === 0) return message.text;
    if (index === numbered) return renderTextMenu(message.text, message.quickReplies);
    const names = message.quickReplies.map((reply) => `「${reply.label}」`).join('');
    return [message.text, `${MORE_PROMPT}${names}`].filter((t) => t.trim() !== '').join('\n');
  });
}

/** Each outbound message as the text a text-only channel shows, one numbered menu at most. */
export function outboundAsText(messages: readonly OutboundMessage[]): string[] {
  return textsOfReply(messages).filter((text) => text.trim() !== '');
}

/**
 * The menu the customer answers after these messages: the quick replies of the last `choices`
 * message, or null when none of them offered choices (a stale menu must not catch a typed "1").
 */
export function menuShownBy(messages: readonly OutboundMessage[]): QuickReply[] | null {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i];
    if (message?.type === 'choices' && message.quickReplies.length > 0) {
      return [...message.quickReplies];
    }
  }
  return null;
}

const FULL_WIDTH_DIGIT = /[\uFF10-\uFF19]/g;
// "1", "1.", "1、", "（1）", "第1个", "1号": the ways people type a menu number on a phone.
const NUMBER_ANSWER =
  /^(?:第\s*)?[(（[【]?\s*(\d{1,2})\s*[)）\]】]?\s*(?:个|项|号)?\s*[.．。、,，:：!！]?$/u;

function normalizeAnswer(input: string): string {
  return input
    .replace(FULL_WIDTH_DIGIT, (digit) => String.fromCharCode(digit.charCodeAt(0) - 0xfee0))
    .replace(/\s+/g, ' ')
    .trim();
}

/** The option the customer picked by typing its number or its label, or null. */
export function matchMenuAnswer(input: string, menu: readonly QuickReply[]): QuickReply | null {
  const answer = normalizeAnswer(input);
  if (answer === '') return null;
  const numbered = NUMBER_ANSWER.exec(answer);
  if (numbered?.[1] !== undefined) {
    return menu[Number(numbered[1]) - 1] ?? null;
  }
  const folded = answer.toLowerCase();
  return (
    menu.find((reply) => normalizeAnswer(reply.label).toLowerCase() === folded) ??
    menu.find((reply) => reply.value.toLowerCase() === folded) ??
    null
  );
}

export interface MenuMemoryOptions {
  /** How long a shown menu stays answerable. Default 30 minutes. */
  ttlMs?: number;
  /** Most conversations remembered; the oldest are forgotten first. Default 50 000. */
  maxConversations?: number;
  now?: () => number;
}

interface RememberedMenu {
  menu: QuickReply[];
  expiresAt: number;
}

/**
 * The last menu shown per conversation, in this process's memory. Losing it (restart, another
 * instance) only costs the number shortcut: the dialog itself also accepts the typed label.
 */
export class MenuMemory {
  private readonly menus = new Map<string, RememberedMenu>();
  private readonly ttlMs: number;
  private readonly maxConversations: number;
  private readonly now: () => number;

  constructor(options: MenuMemoryOptions = {}) {
    this.ttlMs = options.ttlMs ?? 30 * 60 * 1000;
    this.maxConversations = options.maxConversations ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  /** Records what the customer was just shown in `conversationId`. */
  noteShown(conversationId: string, messages: readonly OutboundMessage[]): void {
    if (messages.length === 0) return;
    const menu = menuShownBy(messages);
    this.menus.delete(conversationId);
    if (menu === null) return;
    if (this.menus.size >= this.maxConversations) {
      const oldest = this.menus.keys().next();
      if (!oldest.done) this.menus.delete(oldest.value);
    }
    this.menus.set(conversationId, { menu, expiresAt: this.now() + this.ttlMs });
  }

  /** The live menu of a conversation, if any. */
  current(conversationId: string): QuickReply[] | null {
    const entry = this.menus.get(conversationId);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.menus.delete(conversationId);
      return null;
    }
    return entry.menu;
  }

  /** A typed text as the customer meant it: a menu choice when it answers the live menu. */
  interpret(conversationId: string, text: string): InboundContent {
    const menu = this.current(conversationId);
    const picked = menu ? matchMenuAnswer(text, menu) : null;
    if (picked) return { kind: 'choice', value: picked.value, label: picked.label };
    return { kind: 'text', text };
  }
}
