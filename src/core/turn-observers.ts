// More listeners on the pipeline's turn events (the console's recorders) beside the metrics,
// without the pipeline knowing them: each event goes to the primary first, then to the others.
// An observer that throws is reported and never breaks the turn or the other observers.
import type { TurnMetrics } from './pipeline.ts';

type Handler = (...args: never[]) => void;

export function withTurnObservers(
  primary: TurnMetrics,
  observers: readonly TurnMetrics[],
  warn: (message: string) => void,
): TurnMetrics {
  if (observers.length === 0) return primary;
  const all = [primary, ...observers];
  const events = new Set(all.flatMap((o) => Object.keys(o)));
  const combined: Record<string, Handler> = {};
  for (const event of events) {
    combined[event] = (...args: never[]) => {
      for (const observer of all) {
        const handler = (observer as Record<string, Handler | undefined>)[event];
        try {
          handler?.apply(observer, args);
        } catch (error) {
          warn(`turn observer ${event} failed: ${String(error)}`);
        }
      }
    };
  }
  return combined as TurnMetrics;
}
