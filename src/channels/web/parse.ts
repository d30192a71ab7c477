// Validation of what web clients send (REST bodies, WebSocket frames) into internal content.
// Failures are values with a code the client can branch on, never exceptions.
import type { InboundContent } from '../../core/message.ts';

export interface WebError {
  status: number;
  code:
    | 'invalid_request'
    | 'invalid_conversation_id'
    | 'text_too_long'
    | 'invalid_json'
    | 'unsupported_media_type'
    | 'payload_too_large'
    | 'rate_limited'
    | 'forbidden_origin'
    | 'not_found'
    | 'internal_error';
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: WebError };

/** What one customer turn carries, whichever transport it came by. */
export interface WebTurn {
  content: InboundContent;
  /** Client-chosen id of this message, so a retried send is dropped by the pipeline. */
  messageId?: string;
}

export interface ParseLimits {
  /** Hard ceiling (400 above it); the polite, lower limit is the edge policy's job. */
  maxTextLength: number;
}

/** Ids the server issued look like this; an id it did not issue is replaced by a new one. */
const CONVERSATION_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;
const MESSAGE_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;
const LABEL_MAX = 200;

function fail(
  code: WebError['code'],
  message: string,
  status = 400,
): { ok: false; error: WebError } {
  return { ok: false, error: { status, code, message } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseConversationId(value: unknown): Parsed<string> {
  if (value === undefined || value === null || value === '') {
    return fail('invalid_conversation_id', 'conversationId is required');
  }
  if (typeof value !== 'string' || !CONVERSATION_ID.test(value)) {
    return fail(
      'invalid_conversation_id',
      'conversationId must be 1-128 characters of letters, digits and _ . : @ -',
    );
  }
  return { ok: true, value };
}

/** An id the client may leave out (a new conversation); when present it must be well formed. */
export function parseOptionalConversationId(value: unknown): Parsed<string | undefined> {
  if (value === undefined || value === null || value === '') return { ok: true, value: undefined };
  return parseConversationId(value);
}

export const DEFAULT_HISTORY_PAGE = 200;
export const MAX_HISTORY_PAGE = 1000;

/** How many history lines one GET returns: default 200, at most 1000. */
export function parseLimit(value: unknown): Parsed<number> {
  if (value === undefined || value === '') return { ok: true, value: DEFAULT_HISTORY_PAGE };
  if (typeof value !== 'string' || !/^\d{1,4}$/.test(value) || Number(value) < 1) {
    return fail('invalid_request', `limit must be a whole number from 1 to ${MAX_HISTORY_PAGE}`);
  }
  return { ok: true, value: Math.min(MAX_HISTORY_PAGE, Number(value)) };
}

/** The `after` polling cursor: a transcript seq, 0 meaning "from the start". */
export function parseAfter(value: unknown): Parsed<number> {
  if (value === undefined || value === '') return { ok: true, value: 0 };
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) {
    return fail(
      'invalid_request',
      'after must be a non-negative integer (a seq from a previous reply)',
    );
  }
  return { ok: true, value: Number(value) };
}

/**
 * The turn fields shared by POST bodies and socket frames: `text`, or `choice` ({value,label}),
 * or `event: "conversation_start"`; exactly one of them.
 */
export function parseTurn(fields: Record<string, unknown>, limits: ParseLimits): Parsed<WebTurn> {
  const present = ['text', 'choice', 'event'].filter((key) => fields[key] !== undefined);
  if (present.length !== 1) {
    return fail('invalid_request', 'send exactly one of "text", "choice" or "event"');
  }
  let messageId: string | undefined;
  if (fields.messageId !== undefined) {
    if (typeof fields.messageId !== 'string' || !MESSAGE_ID.test(fields.messageId)) {
      return fail(
        'invalid_request',
        'messageId must be 1-128 characters of letters, digits and _ . : @ -',
      );
    }
    messageId = fields.messageId;
  }
  const withId = (content: InboundContent): Parsed<WebTurn> => ({
    ok: true,
    value: messageId === undefined ? { content } : { content, messageId },
  });

  if (fields.text !== undefined) {
    const text = fields.text;
    if (typeof text !== 'string') return fail('invalid_request', 'text must be a string');
    if (text.trim() === '') return fail('invalid_request', 'text must not be empty');
    if (text.length > limits.maxTextLength) {
      return fail('text_too_long', `text must be at most ${limits.maxTextLength} characters`);
    }
    return withId({ kind: 'text', text });
  }
  if (fields.choice !== undefined) {
    const choice = fields.choice;
    if (!isRecord(choice) || typeof choice.value !== 'string' || choice.value === '') {
      return fail('invalid_request', 'choice must be an object with a non-empty string "value"');
    }
    const label = choice.label ?? choice.value;
    if (typeof label !== 'string') return fail('invalid_request', 'choice.label must be a string');
    if (choice.value.length > LABEL_MAX || label.length > LABEL_MAX) {
      return fail(
        'text_too_long',
        `choice value and label must be at most ${LABEL_MAX} characters`,
      );
    }
    return withId({ kind: 'choice', value: choice.value, label });
  }
  if (fields.event !== 'conversation_start') {
    return fail('invalid_request', 'event must be "conversation_start"');
  }
  return withId({ kind: 'event', event: 'conversation_start' });
}

/** POST /api/web/messages body; without a conversationId it opens a new conversation. */
export function parseTurnBody(
  body: unknown,
  limits: ParseLimits,
): Parsed<WebTurn & { conversationId: string | undefined }> {
  if (!isRecord(body)) return fail('invalid_request', 'the body must be a JSON object');
  const id = parseOptionalConversationId(body.conversationId);
  if (!id.ok) return id;
  const turn = parseTurn(body, limits);
  if (!turn.ok) return turn;
  return { ok: true, value: { ...turn.value, conversationId: id.value } };
}

/** One WebSocket frame from the widget. */
export type ClientFrame = { type: 'turn'; turn: WebTurn } | { type: 'ping' };

export function parseClientFrame(data: string, limits: ParseLimits): Parsed<ClientFrame> {
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return fail('invalid_json', 'a frame must be one JSON object');
  }
  if (!isRecord(frame) || typeof frame.type !== 'string') {
    return fail('invalid_request', 'a frame must be an object with a "type"');
  }
  const id = frame.messageId === undefined ? {} : { messageId: frame.messageId };
  switch (frame.type) {
    case 'ping':
      return { ok: true, value: { type: 'ping' } };
    case 'message':
      return asTurn(parseTurn({ ...id, text: frame.text ?? '' }, limits));
    case 'choice':
      return asTurn(
        parseTurn({ ...id, choice: { value: frame.value, label: frame.label } }, limits),
      );
    case 'start':
      return asTurn(parseTurn({ ...id, event: 'conversation_start' }, limits));
    default:
      return fail('invalid_request', 'type must be "message", "choice", "start" or "ping"');
  }
}

function asTurn(turn: Parsed<WebTurn>): Parsed<ClientFrame> {
  return turn.ok ? { ok: true, value: { type: 'turn', turn: turn.value } } : turn;
}
