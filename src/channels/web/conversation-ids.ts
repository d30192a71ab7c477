// Web conversations are keyed by an id the server issues: 144 random bits, the only key to the
// conversation's history, known to the customer's browser alone. Inside the bot (transcripts,
// logs, the agent desk, Slack buttons) the conversation is named by a one-way hash of it, so
// nothing agents or operators see is enough to read a customer's transcript through the web API.
import { createHash, randomBytes } from 'node:crypto';
import type { TranscriptStore } from '../../store/types.ts';

/** Web conversations live in the bot's id space under this prefix. */
export const WEB_PREFIX = 'web:';

/** A fresh public conversation id: 18 random bytes as 24 base64url characters. */
export function issueConversationId(): string {
  return randomBytes(18).toString('base64url');
}

/** The bot's name for a web conversation: not reversible to the public id. */
export function internalConversationId(publicId: string): string {
  return WEB_PREFIX + createHash('sha256').update(publicId, 'utf8').digest('hex').slice(0, 32);
}

/**
 * The conversation a client asked for if the server issued it (it has a transcript), else a new
 * one: a client can never choose its own, guessable id.
 */
export async function resolveConversation(
  transcripts: TranscriptStore,
  requested: string | undefined,
): Promise<{ publicId: string; issued: boolean }> {
  if (requested !== undefined) {
    try {
      const known = await transcripts.list(internalConversationId(requested), { limit: 1 });
      if (known.length > 0) return { publicId: requested, issued: false };
    } catch {
      // The store is unreachable (a Redis outage): keep an id of the issued shape so the
      // customer stays in their conversation; the turn itself then apologises and spools.
      if (ISSUED_SHAPE.test(requested)) return { publicId: requested, issued: false };
    }
  }
  return { publicId: issueConversationId(), issued: true };
}

const ISSUED_SHAPE = /^[A-Za-z0-9_-]{24}$/;
