// Listens to the turns the bot reads and keeps the ones it missed: a message that fell to the
// fallback ladder (rephrase, suggestions, offer of a human) is "not understood"; a new question
// answered although the classifier was unsure is "low confidence". Every read message is counted
// for the day's not-understood share. The text is masked before it is stored.
import { maskPersonalData } from '../compliance/index.ts';
import type { TurnMetrics, TurnReading } from '../core/pipeline.ts';
import { DEFAULT_POLICY } from '../dialog/interpreter.ts';
import { OUT_OF_SCOPE } from '../nlu/types.ts';
import type { MissedStore, NewMissedMessage } from './missed-store.ts';

export interface MissedRecorderOptions {
  /** An answered reading below this confidence counts as unsure. Default 0.65. */
  lowConfidenceBelow?: number;
  /** The bot acts on a reading from this confidence on (the dialog policy's). Default 0.5. */
  confidentAt?: number;
  /** Longest text kept, in characters. Default 500. */
  maxTextLength?: number;
  log?: (message: string) => void;
}

export const DEFAULT_LOW_CONFIDENCE_BELOW = 0.65;

/** What one read message means for the console, or null when the bot understood it. */
export function missedFromReading(
  reading: TurnReading,
  options: MissedRecorderOptions = {},
): NewMissedMessage | null {
  const lowBelow = options.lowConfidenceBelow ?? DEFAULT_LOW_CONFIDENCE_BELOW;
  const confidentAt = options.confidentAt ?? DEFAULT_POLICY.confidentAt;
  const { nlu } = reading;
  const notUnderstood = reading.fallbackStep > 0;
  const unsure =
    !notUnderstood &&
    !reading.answering &&
    nlu.intent !== OUT_OF_SCOPE &&
    nlu.confidence >= confidentAt &&
    nlu.confidence < lowBelow;
  if (!notUnderstood && !unsure) return null;
  const text = maskPersonalData(reading.text, reading.at).slice(0, options.maxTextLength ?? 500);
  if (text.trim() === '') return null;
  const topic =
    nlu.intent !== OUT_OF_SCOPE
      ? { intent: nlu.intent, confidence: nlu.confidence }
      : nlu.alternatives.find((a) => a.intent !== OUT_OF_SCOPE);
  const question = nlu.question?.id ?? nlu.candidates?.[0]?.id;
  return {
    at: reading.at.toISOString(),
    channel: reading.channel,
    text,
    kind: notUnderstood ? 'not_understood' : 'low_confidence',
    ...(notUnderstood ? { step: reading.fallbackStep } : {}),
    intent: nlu.intent,
    confidence: round(nlu.confidence),
    topic: topic?.intent ?? null,
    topicConfidence: round(topic?.confidence ?? 0),
    ...(question ? { question } : {}),
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export interface MissedRecorder extends Required<Pick<TurnMetrics, 'onReading'>> {
  /** Waits for the records still being written (before the store closes). */
  flush(): Promise<void>;
}

/** A turn observer that never slows or breaks a turn: writes run after it, failures are logged. */
export function recordMissed(
  store: MissedStore,
  options: MissedRecorderOptions = {},
): MissedRecorder {
  const pending = new Set<Promise<void>>();
  const log = options.log ?? ((m: string) => console.warn(m));
  return {
    onReading(reading) {
      let missed: NewMissedMessage | null;
      try {
        missed = missedFromReading(reading, options);
      } catch (error) {
        log(`missed messages: reading not recorded: ${String(error)}`);
        return;
      }
      const write = store
        .record(reading.at, missed)
        .catch((error: unknown) => log(`missed messages: not recorded: ${String(error)}`))
        .finally(() => pending.delete(write));
      pending.add(write);
    },
    async flush() {
      await Promise.all([...pending]);
    },
  };
}
