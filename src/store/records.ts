// What every store checks before writing a conversation state or transcript line, so a bad record
// fails the same way whichever store is configured.
import { StoreInputError } from './errors.ts';
import { toJson } from './json.ts';
import type { ConversationState, Direction, NewTranscriptEntry, TranscriptEntry } from './types.ts';

const DIRECTIONS: readonly Direction[] = ['customer', 'bot', 'agent', 'system'];
const ENTRY_KINDS: readonly TranscriptEntry['kind'][] = ['message', 'survey', 'note'];

export function requireConversationId(conversationId: unknown): string {
  if (typeof conversationId !== 'string' || conversationId === '') {
    throw new StoreInputError('conversationId must be a non-empty string');
  }
  return conversationId;
}

function requireString(value: unknown, what: string): void {
  if (typeof value !== 'string') throw new StoreInputError(`${what} must be a string`);
}

/** A detached, JSON-normalised copy of the state; throws on anything Redis could not hold. */
export function prepareState(state: ConversationState): ConversationState {
  if (typeof state !== 'object' || state === null) throw new StoreInputError('state is required');
  requireConversationId(state.conversationId);
  const copy = toJson(state, 'state') as unknown as ConversationState;
  if (typeof copy.memory !== 'object' || copy.memory === null || Array.isArray(copy.memory)) {
    throw new StoreInputError('state.memory must be an object');
  }
  return copy;
}

/** A detached, JSON-normalised copy of the entry without any caller-supplied `seq`. */
export function prepareTranscriptEntry(entry: NewTranscriptEntry): NewTranscriptEntry {
  if (typeof entry !== 'object' || entry === null) throw new StoreInputError('entry is required');
  requireConversationId(entry.conversationId);
  requireString(entry.at, 'entry.at');
  requireString(entry.channel, 'entry.channel');
  requireString(entry.text, 'entry.text');
  if (!DIRECTIONS.includes(entry.direction)) {
    throw new StoreInputError(`unknown transcript direction: ${String(entry.direction)}`);
  }
  if (!ENTRY_KINDS.includes(entry.kind)) {
    throw new StoreInputError(`unknown transcript kind: ${String(entry.kind)}`);
  }
  const { seq: _callerSeq, ...rest } = entry as NewTranscriptEntry & { seq?: unknown };
  return toJson(rest, 'entry') as unknown as NewTranscriptEntry;
}

/** Prepared copies of a batch of lines; all must belong to one conversation. */
export function prepareTranscriptBatch(entries: NewTranscriptEntry[]): NewTranscriptEntry[] {
  if (!Array.isArray(entries)) throw new StoreInputError('entries must be a list');
  const prepared = entries.map(prepareTranscriptEntry);
  const id = prepared[0]?.conversationId;
  if (prepared.some((e) => e.conversationId !== id)) {
    throw new StoreInputError('a batch of transcript lines must belong to one conversation');
  }
  return prepared;
}

/** The stored shape of a transcript line: seq first so every store writes the same text. */
export function withSeq(entry: NewTranscriptEntry, seq: number): TranscriptEntry {
  return { seq, ...entry } as TranscriptEntry;
}

/** What TranscriptStore.list reads when the caller names no limit: bounded, and one capped conversation fits. */
export const DEFAULT_TRANSCRIPT_LIST_LIMIT = 5000;

/** Validates a page size; a missing one is the default page. */
export function listLimitOf(options?: { limit?: number }): number {
  const limit = options?.limit;
  if (limit === undefined) return DEFAULT_TRANSCRIPT_LIST_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    throw new StoreInputError('limit must be a whole number >= 1');
  }
  return limit;
}

/** Validates a polling cursor; a missing cursor means "from the start". */
export function afterSeqOf(options?: { afterSeq?: number }): number {
  const after = options?.afterSeq;
  if (after === undefined) return 0;
  if (typeof after !== 'number' || !Number.isFinite(after)) {
    throw new StoreInputError('afterSeq must be a finite number');
  }
  return Math.max(0, Math.floor(after));
}

/** A conversation state nobody saved for this long is forgotten (memory, files and Redis alike). */
export const DEFAULT_STATE_TTL_MS = 7 * 24 * 3600_000;

/** The id a line replayed from the local outage spool carries, so it is stored at most once. */
export function spoolIdOf(entry: NewTranscriptEntry): string | null {
  const id = entry.data?.spoolId;
  return typeof id === 'string' && id !== '' ? id : null;
}
