// 周一几点开始有人 / 周六周日有人不 / 能不能直接打电话给你们: questions about the human service
// itself, read as its standard question (the hours, days off included, or the hotline) whatever the
// classifier made of them. The classifier hears 几点 and 周六 as trading hours and 打电话 as
// nothing it knows; the customer means the service.
import { serviceQuestionOf } from '../handoff/service-requests.ts';
import { OUT_OF_SCOPE, type NluResult } from '../nlu/types.ts';
import type { DialogEnvironment } from './types.ts';

/** A standard question read this surely is the customer's question, even said with 打电话. */
const SURE_OWN_QUESTION = 0.9;

/** The reading of a question about the human service, or null when the message asks none. */
export function serviceQuestionReading(
  env: DialogEnvironment,
  text: string,
  nlu: NluResult,
): NluResult | null {
  const { policy } = env;
  const asked = serviceQuestionOf(text);
  const id =
    asked === 'days_off' || asked === 'hours'
      ? policy.agentHoursQuestion
      : asked === 'hotline' && !readsAnotherQuestion(env, nlu)
        ? policy.hotlineQuestion
        : null;
  const question = id ? env.questions.get(id) : undefined;
  if (!question) return null;
  return {
    intent: question.topic,
    confidence: 1,
    alternatives: [],
    entities: nlu.entities,
    question: { id: question.id, confidence: 1 },
  };
}

/** 我想打电话问问开户要带什么: a question of its own, read surely, is answered, not the hotline. */
function readsAnotherQuestion(env: DialogEnvironment, nlu: NluResult): boolean {
  const question = nlu.question ? env.questions.get(nlu.question.id) : undefined;
  return (
    question !== undefined &&
    question.id !== env.policy.hotlineQuestion &&
    question.topic === nlu.intent &&
    nlu.intent !== OUT_OF_SCOPE &&
    nlu.confidence >= env.policy.confidentAt &&
    (nlu.question?.confidence ?? 0) >= SURE_OWN_QUESTION
  );
}
