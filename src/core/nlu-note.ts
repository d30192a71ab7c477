// The NLU reading kept on the customer's transcript line for supervisors, beyond the intent and
// confidence the line has fields for: the standard question and the entities, values masked.
import { maskPersonalData } from '../compliance/mask.ts';
import type { NluResult } from '../nlu/types.ts';
import type { Json } from '../store/types.ts';

export function nluNote(nlu: NluResult): { [key: string]: Json } | null {
  if (!nlu.question && nlu.entities.length === 0) return null;
  return {
    ...(nlu.question ? { question: nlu.question.id } : {}),
    entities: nlu.entities.map((e) => ({ type: e.type, value: maskPersonalData(e.value) })),
  };
}
