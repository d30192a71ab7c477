// The transcript lines of what the customer said in one turn: one line per message, also when a
// burst of messages was read together (each keeps its own text and arrival time, in order).
import type { InboundMessage } from './message.ts';
import type { NewTranscriptEntry } from '../store/types.ts';

/** `line` is the turn's customer line; a burst turns it into one copy per message. */
export function customerLines(
  message: InboundMessage,
  line: NewTranscriptEntry,
  /** What the record keeps of one message (the same for a burst's parts as for one message). */
  maxChars = Number.POSITIVE_INFINITY,
): NewTranscriptEntry[] {
  const parts = message.parts;
  if (!parts || parts.length === 0) return [line];
  const { intent: _intent, confidence: _confidence, ...unclassified } = line;
  // What the turn understood belongs to the burst as a whole: it is noted on its last line.
  return parts.map((part, i) => ({
    ...(i === parts.length - 1 ? line : unclassified),
    text: part.text.slice(0, maxChars),
    at: part.receivedAt,
  }));
}
