// Reads one customer message in the light of the conversation, as a good agent does: splits it
// into the questions it asks, resolves elliptical follow-ups (北交所呢, 要多久) against the subject
// in play, lets explicit service requests win over topic words, tells an answer that did not help
// from a new question, and out-of-scope chat from an in-domain question the bot cannot place.
import { titleInSentence } from '../content/render.ts';
import type { IntentDefinition, StandardQuestion } from '../content/types.ts';
import { isOverview, type KnowledgeBase } from '../kb/knowledge-base.ts';
import { bigrams } from './gist.ts';
import { normalizeText } from '../nlu/normalize.ts';
import {
  asksForCallback,
  asksToCallUs,
  asksWhetherAgentsAreIn,
  daysOffPartOf,
} from '../handoff/service-requests.ts';
import { withRuleIntent } from '../nlu/rule-intent.ts';
import { OUT_OF_SCOPE, type FacetValue, type NluResult } from '../nlu/types.ts';
import { MAX_CLAUSES, splitClauses } from './clauses.ts';
import { askedThing, bestPartScore, partAnswering } from './recall.ts';
import { readSocial } from './social.ts';
import { ASKS_FOR_STEPS } from './steps.ts';
import { ELDERLY, FEELING } from './tone.ts';
import { answeredOn, currentSubject, overviewId, type ConversationContext } from './context.ts';

export interface UnderstandingDeps {
  analyze(text: string): NluResult;
  kb: KnowledgeBase;
  /** Whether a message uses the vocabulary of the securities business at all. */
  inDomain(text: string): boolean;
  intents: ReadonlyMap<string, IntentDefinition>;
  /** Minimum confidence the dialog policy acts on. */
  confidentAt: number;
  complaintIntent: string;
  humanIntent: string;
  smallTalkIntents: readonly string[];
  /** What customers were told for a standard question or a topic's overview (@topic). */
  answerText?(id: string): string | undefined;
}

/** One thing the customer asked in this message, ready for the dialog interpreter. */
export type Ask =
  | {
      kind: 'message';
      text: string;
      nlu: NluResult;
      /** How the reading was found: the clause alone or completed from the subject in play. */
      via: 'as_is' | 'facet' | 'anchor';
      /** The text that was read when it is not the clause (the clause completed from the subject). */
      read?: string;
      /** `read` was written by the optional LLM layer (a rewritten follow-up). */
      rewritten?: boolean;
    }
  /** The previous answer did not help (试了还是不行): the next step, never the same answer. */
  | { kind: 'not_helped'; questionId: string | null; topic: string }
  /** The same question again a moment after it was answered: a short recap and a way forward. */
  | { kind: 'repeat'; questionId: string; text: string; nlu: NluResult }
  /** 说得简单点，一步一步的: the answer in play again, as numbered steps. */
  | { kind: 'in_steps'; questionId: string | null; topic: string }
  /** A sub-question the latest answer already answers (那被限制多久): that part of it, alone. */
  | { kind: 'part'; questionId: string; topic: string; text: string; part: string };

export interface Understanding {
  asks: Ask[];
  /** The message was split into several questions (answered in order). */
  split: boolean;
}

// Explicit service requests beat topic words; the whole message then goes to that request.
const COMPLAINT_CUE =
  /投诉|投訴|举报|舉報|维权|維權|曝光你们|告你们|要求赔偿|要求賠償|我要索赔|差评|態度差|态度(?:太|很|极其|非常)?(?:差|恶劣|不好)/u;
const COMPLAINT_QUESTION =
  /投诉(?:电话|渠道|方式|邮箱|流程|多久|进度|结果)|怎么投诉|如何投诉|去哪投诉|投诉.{0,4}(?:吗|呢)$/u;
const NOT_HELPED =
  /(?:还是|仍然|依然|照样)(?:没有?|不)(?!要|用|想|需要|必|知道|懂|清楚)[\p{Script=Han}]{1,6}(?:啊|呀|呢|[？?!！，,\s]|$)|(?:还是|仍然|依然|也|都|照样)是?(?:不行|不可以|没用|没反应|登不上|登录不了|登不进|转不了|转不出|不对|失败|报错|没到|没有到|没解决|打不开|收不到|不成功)|试(?:了|过)[^，。,]{0,8}(?:不行|没用|没反应|不管用|失败)|^没用[啊呀的]*$|不管用|没有用|没解决|解决不了|不是我要的|不是我想问的|(?:都|也)?不是(?:这|那|上面)(?:个|些|种|几个|几种)?(?:原因|问题|情况)|答非所问|你说的不对|按你说的[^，。]{0,8}(?:不行|没用|失败)|没帮到|没有帮助|这都不会|什么都不会|啥都不会|啥也不会|你不懂|听不懂人话|太笨了|真笨|没用的机器人/u;
// Follow-up markers: 那ETF呢, 如果是北交所, 创业板的话.
const LEAD = /^(?:那|那么|那如果是?|如果是|要是|换成|改成|若是|那要是|那像)\s*/u;
const TAIL = /(?:的话|呢|咧|嘞|吗|嘛|么|啊|呀|哦|的)+\s*$/u;
const SHORT_CLAUSE = 8;
/** 那ETF呢 / 创业板的话: led by 那… or ended by 呢 / 的话, the words ask the same of something else. */
function markedAsFollowUp(trimmed: string): boolean {
  return LEAD.test(trimmed) || /(?:呢|的话)\s*[?？。!！]*$/u.test(trimmed);
}
/** 这个收费不 / 这样的话要多久: the thing just talked about. */
const DEICTIC = /^(?:那|那么)?(?:这|这个|这样|这种|它)(?![里儿边])/u;
const ASKS_SOMETHING =
  /[吗呢么嘛？?]|[^不没]不\s*$|什么|怎么|怎样|如何|多少|几|哪|能不能|可不可以|是不是|有没有|要不要|会不会|为什么|为啥|咋|啥|能否|可否|是否|多久|多长|区别|不同|一样|还是/u;
/** An out-of-scope standard question this sure wins over the business words in a message. */
const SURE_OUT_OF_SCOPE = 0.8;
/** An out-of-scope question this likely is enough when the topic classifier is sure too. */
const QUESTION_OUT_OF_SCOPE = 0.5;
/** How likely the whole knowledge base must find that out-of-scope question. */
const SEEN_OUT_OF_SCOPE = 0.2;
/** A real topic this likely, against an out-of-scope reading less sure than the next, wins. */
const RIVAL_TOPIC = 0.2;
const SURE_OUT_OF_SCOPE_TOPIC = 0.8;
const QUESTION_MIN_FOR_RIVAL = 0.4;
/** The least a subject's question must score on the clause's own words to be what it asks. */
const WITHIN_SUBJECT_MIN = 0.05;
// 好的 / 行 / 嗯嗯 after an answer: the customer took it in (read as thanks, never as a question).
const ACKNOWLEDGEMENT =
  /^(?:好|好的|好吧|行|行吧|嗯+|嗯呢|哦+|噢+|喔+|ok|okay|可以|知道了|明白了?|了解了?|收到|对|是的|好滴|好嘞|懂了)[啊呀哈吧啦了]*(?:[。.!！~～…]*$|[，,\s]*(?:那)?我(?:去|试试|先|再|自己|马上|这就|知道)[^？?吗呢]{0,12}$)/iu;
const CLOSING_THANKS =
  /(?:谢谢|谢了|多谢|谢啦|感谢|thx|thanks|thank you|唔该|多謝|謝謝)[啊呀哈啦了您你]*[。.!！~～…\s]*$/iu;
const THANKS_INTENT = 'chitchat.thanks';
const GOODBYE_INTENT = 'chitchat.goodbye';
const GREETING_INTENT = 'chitchat.greeting';
const TRANSFER_SHORT = /^(那)?(现在)?(就)?(给我|帮我)?转(一下|下|个|过去)?(试试|吧|看看|啊)?$/u;
const FOLLOW_UP_MAX = 16;
/** A question read this surely, of another topic, is not completed from the subject. */
const OWN_QUESTION = 0.6;
/** A question read well enough to stand next to a sure question of another topic. */
const FAIR_QUESTION = 0.45;

export function understand(
  message: string,
  context: ConversationContext,
  now: Date,
  deps: UnderstandingDeps,
): Understanding {
  // 我不是要投诉哈，就想问问佣金…: what the customer says they are not doing is not read.
  message = withoutDisclaimer(message);
  // 新股这事我说不清楚，直接给我转人工: a plain request for a person is the request, whatever
  // else the message says.
  // So is asking whether a person is there (人工还在吗) or for a call-back (我要留个言…).
  if (
    (asksForPersonNow(message) || asksWhetherAgentsAreIn(message) || asksForCallback(message)) &&
    deps.intents.has(deps.humanIntent)
  ) {
    return { asks: [decided(message, deps.analyze(message), deps.humanIntent)], split: false };
  }
  // 行，我去APP改 / 好的我试试: an acknowledgement with what the customer will do next, whole.
  // 哦那不用了 我才20来万 谢了哈: a closing thanks after a remark that asks nothing, too.
  const closingThanks =
    CLOSING_THANKS.test(message.trim()) && !ASKS_SOMETHING.test(normalizeText(message));
  if ((ACKNOWLEDGEMENT.test(message.trim()) || closingThanks) && deps.intents.has(THANKS_INTENT)) {
    return { asks: [decided(message, deps.analyze(message), THANKS_INTENT)], split: false };
  }
  const whole = deps.analyze(message);
  // A complaint that tells its story (投诉！新股中签了钱被扣了…) is one request, not several questions.
  if (COMPLAINT_CUE.test(message) && !COMPLAINT_QUESTION.test(message)) {
    return {
      asks: [{ kind: 'message', text: message, nlu: asComplaint(whole, deps), via: 'as_is' }],
      split: false,
    };
  }
  const clauses = splitClauses(message).flatMap((c) => bothOf(c, deps) ?? [c]);
  let subject = currentSubject(context, now);
  const asks: Ask[] = [];
  for (const clause of clauses) {
    const ask = readClause(
      clause,
      clauses.length === 1 && clause === message.trim() ? whole : null,
    );
    if (ask.kind === 'message' && ask.nlu.intent !== OUT_OF_SCOPE) {
      const q = ask.nlu.question ? deps.kb.questions.get(ask.nlu.question.id) : undefined;
      if (ask.nlu.confidence >= deps.confidentAt && !deps.smallTalkIntents.includes(ask.nlu.intent))
        subject = {
          topic: ask.nlu.intent,
          questionId: q?.id ?? null,
          facets: q ? { ...q.facets } : facetRecord(ask.nlu.facets),
        };
    }
    asks.push(...forEachNamed(clause, ask, deps));
  }
  const kept = dropSmallTalk(dedupe(asks), deps).slice(0, MAX_CLAUSES);

  /** The best question of the same topic for this text that was not answered a moment ago. */
  function otherQuestion(
    text: string,
    nlu: NluResult,
  ): { id: string; confidence: number } | undefined {
    const recent = (id: string): boolean => {
      const turn = answeredOn(context, id);
      return turn !== null && context.turn - turn <= 3;
    };
    const next = deps.kb
      .rankWithin(nlu.intent, text, 8)
      .find((r) => r.score >= 0.15 && !recent(r.id) && !isOverview(r.id));
    return next ? { id: next.id, confidence: next.score } : undefined;
  }

  function humanSubject(s: { topic: string; questionId: string | null }): boolean {
    return s.topic === deps.humanIntent || /service_hours|human/.test(s.questionId ?? '');
  }

  function hasQuestions(intent: string): boolean {
    return intent !== OUT_OF_SCOPE && (deps.intents.get(intent)?.questions.length ?? 0) > 0;
  }
  return { asks: kept, split: kept.length > 1 };

  function readClause(clause: string, reading: NluResult | null): Ask {
    const plain = withoutCircumstances(clause, deps);
    const analyzed = askedAtTheEnd(
      plain,
      plain === clause ? (reading ?? deps.analyze(clause)) : deps.analyze(plain),
      deps,
    );
    const raw = demoteUnfounded(clause, doubtLongSmallTalk(clause, analyzed, deps), deps);
    // 那现在给我转一下 while talking about the human service: a request for a human.
    if (subject && humanSubject(subject) && TRANSFER_SHORT.test(normalizeText(clause))) {
      return {
        kind: 'message',
        text: clause,
        nlu: { ...raw, intent: deps.humanIntent, confidence: 0.95 },
        via: 'anchor',
      };
    }
    // 周六周日有人不 after the service hours: the part of that answer about days off.
    const latest = subject?.questionId;
    const daysOff =
      subject && latest && humanSubject(subject) && deps.answerText
        ? daysOffPartOf(clause, deps.answerText(latest) ?? '')
        : null;
    if (subject && latest && daysOff)
      return {
        kind: 'part',
        questionId: latest,
        topic: subject.topic,
        text: clause,
        part: daysOff,
      };
    const social = readSocial(clause);
    const socialIntent =
      social === 'goodbye'
        ? GOODBYE_INTENT
        : social === 'greeting'
          ? GREETING_INTENT
          : social
            ? THANKS_INTENT
            : null;
    if (socialIntent && deps.intents.has(socialIntent)) return decided(clause, raw, socialIntent);
    if (ACKNOWLEDGEMENT.test(clause.trim()) && deps.intents.has(THANKS_INTENT))
      return decided(clause, raw, THANKS_INTENT);
    if (subject && ASKS_FOR_STEPS.test(normalizeText(clause)) && clauseSize(clause) <= 16)
      return { kind: 'in_steps', questionId: subject.questionId, topic: subject.topic };
    // 我不会用手机 / 看不懂 right after an answer: the struggle is the message. The answer again
    // in calm steps; the reply style adds the hotline, the branch and a person.
    if (
      subject &&
      subject.topic !== OUT_OF_SCOPE &&
      ELDERLY.test(normalizeText(clause)) &&
      clauseSize(clause) <= 12 &&
      !REQUEST_SHAPE.test(clause) &&
      !(raw.confidence >= deps.confidentAt && (raw.question?.confidence ?? 0) >= OWN_QUESTION)
    )
      return { kind: 'in_steps', questionId: subject.questionId, topic: subject.topic };
    // 試咗都係唔得 is 试了都是不行: the Cantonese is read in its Mandarin form too.
    if (
      subject &&
      (NOT_HELPED.test(clause) || NOT_HELPED.test(normalizeText(clause))) &&
      !namesSomethingElse(clause)
    ) {
      return { kind: 'not_helped', questionId: subject.questionId, topic: subject.topic };
    }
    let resolved: Ask = { kind: 'message', text: clause, nlu: raw, via: 'as_is' };
    // An out-of-scope subject explains no follow-up: 那我开个股票账户吧 after 外汇 is a new question;
    // but 那明天呢 after the weather is still the weather.
    if (subject && subject.topic !== OUT_OF_SCOPE)
      resolved =
        resolveFollowUp(clause, raw, subject, deps) ??
        completedWithTopic(clause, raw, subject, deps) ??
        resolved;
    else if (
      subject?.questionId &&
      // 那伦敦金呢 after 外汇: read as the same refusal, or too unlike anything in domain.
      ((raw.intent === OUT_OF_SCOPE && raw.question?.id === subject.questionId) ||
        stillOutOfScope(clause, raw, deps))
    )
      resolved = {
        kind: 'message',
        text: clause,
        nlu: {
          ...raw,
          intent: OUT_OF_SCOPE,
          confidence: Math.max(raw.confidence, deps.confidentAt),
          question: { id: subject.questionId, confidence: 1 },
        },
        via: 'anchor',
      };
    // A refusal anchored on the one in play stays that refusal (the clause alone may look like
    // babble to the whole knowledge base: 那伦敦金呢).
    const anchoredRefusal =
      resolved.kind === 'message' &&
      resolved.via === 'anchor' &&
      resolved.nlu.intent === OUT_OF_SCOPE;
    if (resolved.kind === 'message' && !anchoredRefusal)
      resolved = { ...resolved, nlu: settle(clause, resolved.nlu, !!subject, deps) };
    if (resolved.kind === 'message' && resolved.nlu.question) {
      resolved = inheritFacets(clause, resolved, subject?.facets ?? {}, deps);
    }
    // 能不能直接打电话给你们 wants the number, not the sentence of the last answer about calling.
    if (
      resolved.kind === 'message' &&
      subject &&
      subject.topic !== OUT_OF_SCOPE &&
      !asksToCallUs(clause)
    ) {
      const part = partOfLatest(clause, raw, context, resolved, subject, deps);
      if (part) return part;
    }
    if (resolved.kind === 'message') {
      // The same answer again a moment later (a question, or a topic's overview) helps nobody.
      const nlu = resolved.nlu;
      const id = nlu.question
        ? nlu.question.id
        : nlu.confidence >= deps.confidentAt && !nlu.candidates?.length && hasQuestions(nlu.intent)
          ? overviewId(nlu.intent)
          : null;
      const turn = id ? answeredOn(context, id) : null;
      if (id && turn !== null && context.turn - turn <= 3) {
        // Asked again in other words: most often the neighbouring question was meant (not so
        // out of scope: 那以太坊呢 after 比特币 is the same refusal, said again briefly).
        const other =
          nlu.intent === OUT_OF_SCOPE ? undefined : otherQuestion(resolved.read ?? clause, nlu);
        if (other) return { ...resolved, nlu: { ...nlu, question: other } };
        // A follow-up tied to the subject that lands on an older answer is about the latest one
        // (那我再买点股票凑够是不是就行了 after the market-value answer): its gist, with the
        // sentence the new words speak to.
        const latest = subject?.questionId;
        if (resolved.via === 'anchor' && latest && latest !== id && !latest.startsWith('@'))
          return { kind: 'repeat', questionId: latest, text: clause, nlu };
        return { kind: 'repeat', questionId: id, text: clause, nlu };
      }
    }
    return resolved;
  }
}

/**
 * 那我妈妈今年72岁，也可以用手机自己办吗 after the account-opening answer: too long for an
 * elliptical follow-up, yet its 办 is the subject's. A sentence the classifier cannot place alone
 * is read with the topic's name in front, and kept when that finds a question of the topic surely.
 */
function completedWithTopic(
  clause: string,
  raw: NluResult,
  subject: { topic: string; facets: Record<string, string> },
  deps: UnderstandingDeps,
): Ask | null {
  const size = normalizeText(clause).length;
  if (size <= FOLLOW_UP_MAX || size > 2 * FOLLOW_UP_MAX) return null;
  const placed = raw.intent !== OUT_OF_SCOPE && raw.confidence >= deps.confidentAt;
  const sureRefusal =
    raw.intent === OUT_OF_SCOPE && (raw.question?.confidence ?? 0) >= SURE_OUT_OF_SCOPE;
  if (placed || sureRefusal || !ASKS_SOMETHING.test(normalizeText(clause))) return null;
  const anchor = anchorOf(subject, undefined, deps, false);
  if (!anchor) return null;
  const text = `${anchor.replace(/[？?]$/u, '')}，${clause}`;
  const reading = deps.analyze(text);
  if (
    reading.intent !== subject.topic ||
    reading.confidence < deps.confidentAt ||
    (reading.question?.confidence ?? 0) < OWN_QUESTION
  )
    return null;
  return { kind: 'message', text: clause, nlu: reading, via: 'anchor', read: text };
}

/**
 * 那以太坊合约呢 也不行？ names another thing to ask the same about: a follow-up, not a complaint
 * that the answer did not help (那还是不行呢 names nothing new).
 */
function namesSomethingElse(clause: string): boolean {
  const named =
    /^(?:那|那么|那如果是?|如果是|要是|换成|若是)\s*([^，,。？?！!\s]{2,12}?)(?:的话|呢)/u.exec(
      clause.trim(),
    )?.[1];
  return named !== undefined && !NOT_HELPED.test(named) && !/^(?:还是|还|也|都|怎么)/u.test(named);
}

/**
 * A clause read against the subject in play. 北交所呢 after 科创板门槛 asks the same standard question
 * for another board; 要多久 after 开户 completes to 开户要多久. Returns null when the clause is a
 * question of its own.
 */
function resolveFollowUp(
  clause: string,
  raw: NluResult,
  subject: { topic: string; questionId: string | null; facets: Record<string, string> },
  deps: UnderstandingDeps,
): Ask | null {
  const normalized = normalizeText(clause);
  const core = normalizeText(clause.replace(LEAD, '').replace(TAIL, ''));
  const marked =
    markedAsFollowUp(clause.trim()) ||
    // 这个收费不 / 这样要多久: "this" is the subject in play.
    DEICTIC.test(clause.trim());
  if (normalized.length > FOLLOW_UP_MAX) return null;
  const mentions = deps.kb.facetsOf(core);
  const rest = mentions.reduce((s, m) => s.replace(m.term, ''), core).replace(/\s+/g, '');
  const previous = subject.questionId ? deps.kb.questions.get(subject.questionId) : undefined;

  const rawConfident = raw.intent !== OUT_OF_SCOPE && raw.confidence >= deps.confidentAt;
  const rawHasQuestions = (deps.intents.get(raw.intent)?.questions.length ?? 0) > 0;
  // Small talk, a request for a human, a complaint: a message of its own (转个人工 names no
  // customer type, though 个人 is in it).
  if (rawConfident && deps.smallTalkIntents.includes(raw.intent)) return null;
  if (rawConfident && raw.confidence >= 0.8 && !rawHasQuestions && raw.intent !== subject.topic)
    return null;

  // Only a board or product named: the same question about it.
  if (mentions.length > 0 && rest.length <= 2) {
    const same = previous?.aspect
      ? deps.kb.sameQuestionFor(
          previous,
          mentions.map((m) => ({ key: m.key, value: m.value })),
        )
      : undefined;
    if (same && same.id !== previous?.id) return asked(clause, same, raw, 'facet');
    // No parallel question: ask the previous question's words with the new board or product.
    if (previous) {
      const rewritten = substitute(previous, mentions, deps);
      const nlu = deps.analyze(rewritten);
      if (nlu.question || nlu.confidence >= deps.confidentAt)
        return {
          kind: 'message',
          text: clause,
          nlu: { ...nlu, entities: raw.entities },
          via: 'facet',
        };
    }
  }

  // A short predicate without its subject (要多久, 在哪弄, 一二三级有啥区别): completed from the subject.
  const short = clauseSize(core) <= SHORT_CLAUSE;
  // A follow-up asks something (要多久, 在哪弄, 有啥区别); words that ask nothing (阿巴阿巴,
  // 我那个业务的事) are not tied to the subject.
  if (!marked && !ASKS_SOMETHING.test(clause) && !ASKS_SOMETHING.test(normalized)) return null;
  if (!marked && rawConfident && !short) return null;
  // A complete question of the same topic stands on its own (unless it reads as the question just
  // answered: then the subject may tell which neighbouring question is meant).
  if (
    !marked &&
    rawConfident &&
    raw.intent === subject.topic &&
    raw.question &&
    raw.question.id !== previous?.id
  )
    return null;
  // The clause's own words among the subject's questions first: 那周末呢 after 几点开盘 is the
  // weekend question of the trading-hours topic, whatever else 周末 could mean.
  const inSubject = withinSubject(clause, subject.topic, deps);
  if (inSubject && inSubject.id !== previous?.id) {
    const q = deps.kb.questions.get(inSubject.id);
    if (q) return asked(clause, q, raw, 'anchor');
  }
  // 过户费呢 after 北交所涨跌幅: a question of another topic, which the subject's own questions do
  // not answer, stands on its own when it names no board or product, 呢 or not.
  if (
    mentions.length === 0 &&
    rawConfident &&
    raw.intent !== subject.topic &&
    (raw.question?.confidence ?? 0) >= OWN_QUESTION &&
    namesItsOwnSubject(core) &&
    !topicSpeaksOf(subject.topic, core, deps)
  )
    return null;
  const best = bestAnchored(clause, normalized, marked, subject, previous, deps);
  if (!best) return null;
  const bestScore = best.reading.question?.confidence ?? 0;
  // A short clause that reads as a clear question of another topic keeps its own reading
  // unless the subject in play explains it better (利息怎么算 after 两融 is the margin rate); one
  // that names nothing of its own (在APP哪里换) is about the subject.
  if (!marked && rawConfident && raw.intent !== subject.topic && namesItsOwnSubject(core)) {
    const rawScore = raw.question?.confidence ?? 0;
    if (best.reading.intent !== subject.topic || bestScore < Math.max(0.35, rawScore)) return null;
  }
  return {
    kind: 'message',
    text: clause,
    nlu: { ...best.reading, entities: raw.entities },
    via: 'anchor',
    read: best.text,
  };
}

/**
 * A sub-question the latest answer already answers: 那收盘前最后那几分钟呢 after the cancel-order
 * answer, 那被限制多久 after the penalty answer, 个人的 after 您具体想了解开户的哪一方面. The part of
 * that answer it speaks to, unless the clause is a question of its own that the knowledge base
 * places surely, or another question's answer speaks to it better.
 */
function partOfLatest(
  clause: string,
  raw: NluResult,
  context: ConversationContext,
  resolved: Extract<Ask, { kind: 'message' }>,
  subject: { topic: string; questionId: string | null; facets: Record<string, string> },
  deps: UnderstandingDeps,
): Ask | null {
  if (!deps.answerText || resolved.via === 'facet') return null;
  const latest = subject.questionId ?? overviewId(subject.topic);
  // Only an answer the customer has read: not one given to an earlier clause of this message.
  if (answeredOn(context, latest) === null) return null;
  const previous = deps.answerText(latest);
  if (!previous) return null;
  const trimmed = clause.trim();
  const normalized = normalizeText(trimmed);
  if (normalized.length > FOLLOW_UP_MAX + 4) return null;
  // 具体到几点截止: asking words only, and no topic read surely (几点截止 leans to the transfer
  // hours, but names nothing): another topic's question is not the customer's own.
  const bare =
    !namesItsOwnSubject(normalizeText(clause.replace(LEAD, '').replace(TAIL, ''))) &&
    !(raw.intent !== OUT_OF_SCOPE && raw.confidence >= SURE_TOPIC);
  const marked =
    // 具体到几点 / 确切是哪天 asks for the detail of what was just said.
    /具体|确切|准确|详细/u.test(trimmed) ||
    markedAsFollowUp(trimmed) ||
    // 买的时候也要交？ / 卖出还收吗: the same thing asked of something else, briefly.
    (normalized.length <= SHORT_CLAUSE && /(?:也|还)(?:要|是|能|会|可以|得|收|算)/u.test(trimmed));
  // The bot's answer ended asking the customer something (您具体想了解哪一方面？): a few words
  // are the reply to it.
  const replyToAsking = /[？?]\s*$/u.test(previous) && normalized.length <= 6;
  if (
    !marked &&
    !replyToAsking &&
    !ASKS_SOMETHING.test(trimmed) &&
    !ASKS_SOMETHING.test(normalized)
  )
    return null;
  // A standard question of another topic, read in the customer's own words, is their own.
  if (
    !bare &&
    raw.intent !== subject.topic &&
    raw.intent !== OUT_OF_SCOPE &&
    raw.confidence >= deps.confidentAt &&
    (raw.question?.confidence ?? 0) >= OWN_QUESTION
  )
    return null;
  const core = clause.replace(LEAD, '').replace(TAIL, '');
  // 那我想换个存管银行咋弄 after 钱安全吗: a question of the same topic that names what it is
  // about and reads surely on its own is asked for itself, not of the latest answer.
  // Surely, or fairly when it names something the latest answer does not speak of at all
  // (收盘集合竞价几点结束 after the opening-auction answer).
  if (
    raw.question &&
    raw.question.id !== latest &&
    raw.intent === subject.topic &&
    raw.confidence >= deps.confidentAt &&
    namesItsOwnSubject(normalizeText(core)) &&
    (raw.question.confidence >= SURE_OWN_QUESTION ||
      (raw.question.confidence >= OWN_QUESTION && namesBeyond(previous, core)))
  )
    return null;
  const found = resolved.nlu.question;
  const other = found && found.id !== latest ? found : undefined;
  // Unmarked words that point to the subject's own question (found by withinSubject), or to a
  // question the classifier is sure of, stand; 那X呢 is weighed answer against answer below.
  if (!marked && other && other.confidence >= (resolved.via === 'anchor' ? 0.9 : SURE_OWN_QUESTION))
    return null;
  const part = partAnswering(previous, core);
  if (!part) return null;
  // 那X呢 asks the latest question again for X, and 个人的 answers the bot's own question: the
  // latest answer wins a tie. Words without the
  // mark need more to go on than the question the knowledge base found for them.
  const rival = other ? deps.answerText(other.id) : undefined;
  const rivalScore = rival ? bestPartScore(rival, core) : 0;
  const tieGoesToLatest = marked || replyToAsking;
  if (tieGoesToLatest ? part.score < rivalScore : part.score < 2 || part.score <= rivalScore)
    return null;
  // One shared word is enough for 那周末呢, not for a longer question that says more than the
  // part does (那我妈妈72岁也能用手机办吗 shares only 手机 with the materials list).
  if (part.score < 2 && normalizeText(core).length > SHORT_CLAUSE) return null;
  return { kind: 'part', questionId: latest, topic: subject.topic, text: clause, part: part.text };
}
/** A topic read this surely from words that name no subject is still the customer's own. */
const SURE_TOPIC = 0.8;
/** The latest question read this surely again with a 那X呢 is what X asks about. */
const SURE_SAME = 0.8;
/** A standard question the classifier reads this surely is the customer's own question. */
const SURE_OWN_QUESTION = 0.7;

/**
 * The clause completed with the subject, two ways: after the topic's name (开户 + 要多久) and
 * after the standard question just answered (卖出的钱何时能转 + 今天能接着买吗); the reading that
 * places a standard question of the subject's topic best wins.
 */
function bestAnchored(
  clause: string,
  normalized: string,
  marked: boolean,
  subject: { topic: string; facets: Record<string, string> },
  previous: StandardQuestion | undefined,
  deps: UnderstandingDeps,
): { reading: NluResult; text: string } | null {
  // 那收盘前呢 asks the previous question again for something else: its words first. 要多久 asks
  // something new about the topic: the topic's name first (the previous question's words would
  // pull the clause back to it).
  const byTopic = anchorOf(subject, previous, deps, false);
  const ordered = marked ? [previous?.question, byTopic] : [byTopic, previous?.question];
  // Last, the topic's name with what its title adds in brackets (三方存管 + 换绑银行卡): 在APP哪里换
  // finds the how-to question once the 换 is tied to what is changed.
  ordered.push(anchorOf(subject, previous, deps, true) ?? undefined);
  const anchors = [...new Set(ordered)].filter(
    (a): a is string => !!a && !normalized.includes(normalizeText(a)),
  );
  // A follow-up asks something other than the question just answered (那周末呢 after 几点开盘):
  // a fitting reading that finds another question wins over one that finds the same again.
  let same: { reading: NluResult; text: string } | null = null;
  let fallback: { reading: NluResult; text: string } | null = null;
  let neighbour: { reading: NluResult; text: string; score: number } | null = null;
  for (const anchor of anchors) {
    const text = `${anchor.replace(/[？?]$/u, '')}，${clause}`;
    const reading = deps.analyze(text);
    const fits =
      reading.intent === subject.topic ||
      (reading.question !== undefined && reading.confidence >= deps.confidentAt);
    if (!fits) continue;
    const found = reading.question && reading.question.confidence >= 0.35;
    // 那节假日呢 after 港股通几点交易: the latest question read surely again with the new words
    // is not given up for a weak reading of the topic's name (港股通权限 + 节假日).
    const weakOther =
      marked &&
      (same?.reading.question?.confidence ?? 0) >= SURE_SAME &&
      (reading.question?.confidence ?? 0) < SURE_OWN_QUESTION;
    if (found && reading.question?.id !== previous?.id && !weakOther) return { reading, text };
    if (found) same ??= { reading, text };
    else fallback ??= { reading, text };
    // The best question of the subject besides the one just answered, read in this completion.
    const next = deps.kb
      .rankWithin(subject.topic, text, 12)
      .find((r) => r.id !== previous?.id && !isOverview(r.id));
    if (next && next.score >= 0.3 && (!neighbour || next.score > neighbour.score)) {
      const { candidates: _c, ...rest } = reading;
      neighbour = {
        reading: { ...rest, intent: next.topic, question: { id: next.id, confidence: next.score } },
        text,
        score: next.score,
      };
    }
  }
  const sureSame = marked && (same?.reading.question?.confidence ?? 0) >= SURE_SAME;
  if (neighbour && !(sureSame && neighbour.score < SURE_OWN_QUESTION))
    return { reading: neighbour.reading, text: neighbour.text };
  fallback = same ?? fallback;
  const best = fallback;
  return best;
}

/**
 * The subject topic's question the clause's own words point to, when they point clearly: it leads
 * the topic's other questions by far, however little of the whole the topic holds.
 */
function withinSubject(
  clause: string,
  topic: string,
  deps: UnderstandingDeps,
): { id: string; score: number } | null {
  // Some evidence in the whole knowledge base first: 阿巴阿巴 would still pick a question of a
  // topic that is asked to choose.
  const anywhere = deps.kb.rank(clause, 60).filter((r) => r.topic === topic && !isOverview(r.id));
  if ((anywhere[0]?.score ?? 0) < WITHIN_SUBJECT_MIN) return null;
  const within = deps.kb.rankWithin(topic, clause, 12);
  const overview = within.find((r) => isOverview(r.id))?.score ?? 0;
  const [first, second] = within.filter((r) => !isOverview(r.id));
  if (!first || first.score < 0.5) return null;
  if (first.score < 2 * Math.max(second?.score ?? 0, overview)) return null;
  return first;
}

/** What a follow-up is about: the topic's name and the board or product in play (科创板权限, 开户). */
function anchorOf(
  subject: { topic: string; facets: Record<string, string> },
  previous: StandardQuestion | undefined,
  deps: UnderstandingDeps,
  withAliases: boolean,
): string | null {
  const intent = deps.intents.get(subject.topic);
  if (!intent) return null;
  const title = (
    withAliases
      ? intent.title.replace(/[（(]([^）)]*)[）)]/gu, '$1').replace(/[/／、]/gu, '')
      : titleInSentence(intent.title)
  ).trim();
  const facetWords = Object.entries(previous?.facets ?? subject.facets)
    .map(([key, value]) => deps.kb.facets.label(key, value))
    .filter((w) => !title.includes(w));
  return `${facetWords.join('')}${title}`;
}

/** The previous standard question with the newly named board or product in place of the old. */
function substitute(
  previous: StandardQuestion,
  mentions: ReturnType<KnowledgeBase['facetsOf']>,
  deps: UnderstandingDeps,
): string {
  let text = normalizeText(previous.question);
  for (const m of mentions) {
    const old = deps.kb.facetsOf(text).find((o) => o.key === m.key);
    text = old ? text.slice(0, old.start) + m.term + text.slice(old.end) : `${m.term}${text}`;
  }
  return text;
}

function asked(clause: string, q: StandardQuestion, raw: NluResult, via: 'facet' | 'anchor'): Ask {
  return {
    kind: 'message',
    text: clause,
    nlu: {
      intent: q.topic,
      confidence: 0.95,
      alternatives:
        raw.intent === q.topic
          ? raw.alternatives
          : [{ intent: raw.intent, confidence: raw.confidence }],
      entities: raw.entities,
      question: { id: q.id, confidence: 0.95 },
      ...(raw.facets ? { facets: raw.facets } : {}),
    },
    via,
  };
}

function asComplaint(nlu: NluResult, deps: UnderstandingDeps): NluResult {
  // A complaint starts the complaint form: no standard question, no 您是想问 choices.
  const { question: _question, candidates: _candidates, ...rest } = nlu;
  if (nlu.intent === deps.complaintIntent)
    return { ...rest, confidence: Math.max(nlu.confidence, 0.9) };
  return {
    ...rest,
    intent: deps.complaintIntent,
    confidence: 0.9,
    alternatives: [{ intent: nlu.intent, confidence: nlu.confidence }, ...nlu.alternatives].slice(
      0,
      3,
    ),
  };
}

/**
 * A person asked for in words: 人工, 客服, 找个懂的人, 人呢. The classifier learns 人工 from
 * its examples and can hear it in 个人的 (the answer to 您想了解开户的哪一方面).
 */
const PERSON_CUE =
  /人工|真人|活人|客服|坐席|专员|经理|接线|工作人员|值班|机器人|电话|(?:有|找|换|叫|转|来|要|派|请)(?:个|一个|位|一位)?(?:人|谁)|找.{0,3}人|人(?:呢|在|吗|去哪|都|回)/u;

/**
 * The complaint and the human-handoff intents start something (a form, a queue); without the words
 * that ask for it (投诉, 举报 / 人工, 客服) the message is a worry or a problem to solve (账户被冻结了,
 * 券商倒闭了钱咋办) or an answer (个人的), read as the next-best topic.
 */
function demoteUnfounded(clause: string, nlu: NluResult, deps: UnderstandingDeps): NluResult {
  const cue =
    nlu.intent === deps.complaintIntent
      ? COMPLAINT_CUE
      : nlu.intent === deps.humanIntent
        ? PERSON_CUE
        : null;
  if (!cue || cue.test(clause) || cue.test(normalizeText(clause))) return nlu;
  const next = nlu.alternatives.find((a) => a.intent !== OUT_OF_SCOPE && a.confidence >= 0.05);
  if (!next) return { ...nlu, confidence: Math.min(nlu.confidence, deps.confidentAt - 0.01) };
  const best = deps.kb.rankWithin(next.intent, clause, 6).find((r) => !isOverview(r.id));
  return {
    ...nlu,
    intent: next.intent,
    confidence: Math.max(next.confidence, deps.confidentAt),
    alternatives: [{ intent: nlu.intent, confidence: nlu.confidence }],
    ...(best ? { question: { id: best.id, confidence: best.score } } : {}),
  };
}

/**
 * A message that asks for something (帮我查一下信用卡账单, 能帮我订张机票吗) is a request the bot
 * understood well enough to say it is not its service; babble (阿巴阿巴, 咕噜咕噜嘿) has no such
 * shape and is asked to be put another way.
 */
const REQUEST_SHAPE =
  /帮我|帮忙|麻烦|请问|请你|我想|我要|想要|需要|能不能|可不可以|可以.{0,6}吗|怎么|怎样|如何|什么|哪里|哪个|多少|几[点时天个]|是不是|有没有|[吗呢][？?。！!]*$|[？?]/u;

/** A question the whole knowledge base is this sure of is the answer even when the topic is not. */
const SURE_ANYWHERE = 0.55;

/**
 * The reading's last word on whether it is understood. An out-of-scope question matched surely is
 * said as out of scope; a weak out-of-scope match is no match. A topic the classifier is unsure
 * of is the topic of a question the knowledge base is sure of (提交两天了还没通过正常吗 is the
 * opening-progress question however little it sounds like 开户), or else placed as unsure.
 */
const DISCLAIMER =
  /(?:我|俺)?(?:并|也|可)?不是(?:要|想|来|在|说要)?(?:投诉|告状|找茬|找麻烦|闹事)(?:你们|哈|啊|呀|哦|的)*[，,。.!！\s]*/u;

/** The message without a leading "I am not complaining" (kept when nothing else is said). */
function withoutDisclaimer(message: string): string {
  const rest = message.replace(DISCLAIMER, '').trim();
  return rest.length >= 2 ? rest : message;
}

const PERSON_NOW =
  /(?:转|接|找|要|换|叫)(?:个|一下|一个|下)?(?:人工|真人|活人|客服人员|人工客服|人工坐席)/u;
const NOT_A_REQUEST =
  /(?:不用|不要|别|不想|无需|不需要|先不)(?:给我|帮我)?(?:转|找|接)?(?:个)?(?:人工|真人)|(?:不行|解决不了|搞不定|不会|还不行)(?:的话)?[，,]?(?:再|就)?(?:给我)?(?:转|找)(?:个)?人工|(?:怎么|如何|能不能|能否|可不可以|可以|在哪)(?:转|找|接)(?:个)?人工|人工.{0,6}(?:几点|什么时候|时间|上班|下班|有人吗)/u;

/** A request for a person, now, somewhere in the message (not 不用转人工, not 不行再转人工). */
function asksForPersonNow(message: string): boolean {
  const text = normalizeText(message);
  return PERSON_NOW.test(text) && !NOT_A_REQUEST.test(text);
}

/**
 * The clause without the pieces that tell the customer's circumstances or feelings and ask
 * nothing (我年纪大了，眼神也不好，手机上转账这个我不会弄): the tone reads them, the classifier
 * should not weigh them against the question.
 */
function withoutCircumstances(clause: string, deps: UnderstandingDeps): string {
  const pieces = clause.split(/(?<=[，,；;])/u);
  if (pieces.length < 2) return clause;
  const kept = pieces.filter((piece) => {
    const bare = piece.replace(/[，,；;。.!！\s]+$/u, '');
    if (onlyPersonalData(bare)) return false;
    const circumstance = ELDERLY.test(bare) || FEELING.test(normalizeText(bare));
    return !(circumstance && !deps.inDomain(bare) && !REQUEST_SHAPE.test(bare));
  });
  return kept.length > 0 && kept.length < pieces.length ? kept.join('') : clause;
}

/**
 * 红利税和印花税分别怎么收: two things joined by 和 and asked about together. When each thing with
 * the shared words reads a different standard question surely, they are two questions (银行卡和
 * 身份证都要带吗 reads the same question twice: one).
 */
function bothOf(clause: string, deps: UnderstandingDeps): [string, string] | null {
  const joint = /[和跟与及]|以及/u.exec(clause);
  if (!joint || clause.length > 30) return null;
  const before = clause.slice(0, joint.index);
  const after = clause.slice(joint.index + joint[0].length);
  const sure = (r: NluResult): boolean =>
    r.confidence >= deps.confidentAt && (r.question?.confidence ?? 0) >= OWN_QUESTION;
  // 红利税 + 怎么收 (the second thing left out, 2-4 characters of it), and 印花税分别怎么收 with
  // what came before the first thing (2-4 characters of it left out): each text read once.
  const read = (text: string) => ({ text, nlu: deps.analyze(text) });
  const firsts = [2, 3, 4]
    .filter((n) => n <= after.length - 1)
    .map((n) => read(`${before}${after.slice(n)}`));
  const seconds = [2, 3, 4]
    .filter((n) => n <= before.length)
    .map((n) => read(`${before.slice(0, before.length - n)}${after}`));
  // 开户和销户都要去营业部吗: when the two parts read different topics, one sure reading and one
  // fair one are enough; two questions of one topic must both be sure.
  const fair = (r: NluResult): boolean =>
    r.confidence >= deps.confidentAt && (r.question?.confidence ?? 0) >= FAIR_QUESTION;
  const pair = (a: NluResult, b: NluResult): boolean =>
    a.question?.id !== b.question?.id &&
    ((sure(a) && sure(b)) ||
      (a.intent !== b.intent && ((sure(a) && fair(b)) || (fair(a) && sure(b)))));
  for (const b of seconds) {
    if (!fair(b.nlu)) continue;
    const a = firsts.find((f) => pair(f.nlu, b.nlu));
    if (a) return [a.text, b.text];
  }
  return null;
}

/**
 * 我在你们这开的户，现在想把股票转到别的证券公司，要怎么弄: what the customer tells first can
 * leave the reading torn between questions of the topic (您是想问). The question is asked at the
 * end: when the pieces from some point on read one question of the same topic surely, that is it.
 */
function askedAtTheEnd(clause: string, nlu: NluResult, deps: UnderstandingDeps): NluResult {
  if (nlu.question || !nlu.candidates?.length) return nlu;
  const pieces = clause.split(/(?<=[，,；;])/u);
  const sure = (reading: NluResult): boolean =>
    reading.intent === nlu.intent &&
    (reading.question?.confidence ?? 0) >= OWN_QUESTION &&
    reading.confidence >= deps.confidentAt;
  for (let from = 1; from < pieces.length; from++) {
    const rest = pieces.slice(from).join('');
    if (!REQUEST_SHAPE.test(rest) || clauseSize(normalizeText(rest)) < 4) break;
    const reading = deps.analyze(rest);
    if (sure(reading)) return { ...reading, entities: nlu.entities };
  }
  // 请问配息的时候会被扣税吗，我大概持有半年: the question first, the circumstances after it.
  const first = pieces[0] ?? '';
  if (pieces.length > 1 && REQUEST_SHAPE.test(normalizeText(first))) {
    const reading = deps.analyze(first);
    if (sure(reading)) return { ...reading, entities: nlu.entities };
  }
  return nlu;
}

/**
 * 我身份證係44030119850612345X / 手机号13812345678: a piece that only hands over a number asks
 * nothing, and its label (身份证) would pull the question toward the documents an account needs.
 */
function onlyPersonalData(piece: string): boolean {
  if (!/\d{6,}/u.test(piece)) return false;
  const rest = piece
    .replace(/[\dXx*＊\-\s]+/gu, '')
    .replace(
      /我的?|俺的?|本人|身份证|身份證|证件|證件|号码|號碼|号|號|是|係|为|為|叫|手机|手機|电话|電話|联系方式|聯繫方式|银行卡|銀行卡|卡号|卡號|资金账号|資金帳號|账号|帳號|账户|帳戶|[:：]/gu,
      '',
    );
  return rest.length === 0;
}

/** A long message read as small talk without a social word in it is not small talk. */
function doubtLongSmallTalk(clause: string, nlu: NluResult, deps: UnderstandingDeps): NluResult {
  if (!deps.smallTalkIntents.includes(nlu.intent) || nlu.question) return nlu;
  // 那具体几点结束啊 asks a time; 结束 there is not the customer ending the chat.
  const asksWhat = /几点|几时|什么|啥|怎么|多少|哪|多久|为什么|为啥/u.test(normalizeText(clause));
  if (asksWhat) return { ...nlu, confidence: Math.min(nlu.confidence, deps.confidentAt - 0.01) };
  if (normalizeText(clause).length <= LONG_SMALL_TALK || readSocial(clause)) return nlu;
  return { ...nlu, confidence: Math.min(nlu.confidence, deps.confidentAt - 0.01) };
}
const LONG_SMALL_TALK = 8;

/** A short elliptical follow-up (那明天呢, 深圳的呢) that names nothing of the business. */
function stillOutOfScope(clause: string, raw: NluResult, deps: UnderstandingDeps): boolean {
  const trimmed = clause.trim();
  const marked = markedAsFollowUp(trimmed);
  if (!marked || clauseSize(normalizeText(trimmed)) > 8) return false;
  if (raw.intent !== OUT_OF_SCOPE && raw.confidence >= deps.confidentAt) return false;
  return !deps.inDomain(clause.replace(LEAD, '').replace(TAIL, ''));
}

/** The clause names a thing (two characters of it) that the answer never mentions. */
function namesBeyond(answer: string, core: string): boolean {
  const said = bigrams(normalizeText(answer));
  const named = [...bigrams(askedThing(normalizeText(core)))];
  return named.some((b) => !said.has(b));
}

/**
 * Words left once the asking is taken out (过户费 in 过户费呢; nothing in 在哪开, nor in 在APP哪里换:
 * where it is done is asked about the subject in play).
 */
function namesItsOwnSubject(core: string): boolean {
  return askedThing(core).length >= 2;
}

/** Some question of the topic uses these words (风险等级 among 港股通's questions). */
function topicSpeaksOf(topic: string, words: string, deps: UnderstandingDeps): boolean {
  if (words.length < 2) return false;
  const intent = deps.intents.get(topic);
  return intent ? phrasingsOf(intent).some((t) => t.includes(words)) : false;
}

/** A topic's questions and their paraphrases, normalised once per loaded content. */
const topicPhrasings = new WeakMap<IntentDefinition, string[]>();
function phrasingsOf(intent: IntentDefinition): string[] {
  let texts = topicPhrasings.get(intent);
  if (!texts) {
    texts = intent.questions.flatMap((q) => [q.question, ...q.similar].map(normalizeText));
    topicPhrasings.set(intent, texts);
  }
  return texts;
}

/** A message whose intent a rule decided (a request for a person, small talk): no question. */
function decided(text: string, nlu: NluResult, intent: string): Ask {
  const { question: _q, candidates: _c, ...rest } = withRuleIntent(nlu, intent);
  return { kind: 'message', text, nlu: rest, via: 'as_is' };
}

function hasQuestions(intent: string, deps: UnderstandingDeps): boolean {
  return (deps.intents.get(intent)?.questions.length ?? 0) > 0;
}

function settle(
  clause: string,
  nlu: NluResult,
  inPlay: boolean,
  deps: UnderstandingDeps,
): NluResult {
  if (nlu.intent === OUT_OF_SCOPE) {
    // 推荐一下怎么开户最快: a business question worded like an out-of-scope one (推荐一下…) is the
    // business question when the classifier's runner-up is a real topic and it was not sure.
    const rival = nlu.alternatives.find((a) => a.intent !== OUT_OF_SCOPE);
    if (
      rival &&
      rival.confidence >= RIVAL_TOPIC &&
      nlu.confidence < SURE_OUT_OF_SCOPE_TOPIC &&
      hasQuestions(rival.intent, deps) &&
      deps.inDomain(clause)
    ) {
      const within = deps.kb
        .rankWithin(rival.intent, clause, 3)
        .find((r) => !isOverview(r.id) && r.score >= QUESTION_MIN_FOR_RIVAL);
      const { question: _q, ...rest } = nlu;
      return {
        ...rest,
        intent: rival.intent,
        confidence: deps.confidentAt,
        alternatives: [
          { intent: OUT_OF_SCOPE, confidence: nlu.confidence },
          ...nlu.alternatives.filter((a) => a.intent !== rival.intent),
        ],
        ...(within ? { question: { id: within.id, confidence: within.score } } : {}),
      };
    }
    // 那周末呢 with nothing in play names no out-of-scope subject, whatever it resembles.
    // With a subject in play, 那以太坊呢 after 比特币 is the crypto refusal again.
    const elliptical =
      !inPlay && LEAD.test(clause.trim()) && clauseSize(normalizeText(clause)) <= 8;
    // The out-of-scope questions are told apart among themselves, so babble (呜啦啦巴拉巴拉) finds
    // one of them sure; the whole knowledge base must see it too.
    const asked = nlu.question;
    const seen = !asked
      ? 0
      : deps.kb.questions.has(asked.id)
        ? (deps.kb.rank(clause, 5).find((r) => r.id === asked.id)?.score ?? 0)
        : 1;
    const sure =
      !elliptical &&
      seen >= SEEN_OUT_OF_SCOPE &&
      nlu.question &&
      ((nlu.question.confidence >= SURE_OUT_OF_SCOPE && nlu.confidence >= deps.confidentAt / 2) ||
        (nlu.confidence >= deps.confidentAt && nlu.question.confidence >= QUESTION_OUT_OF_SCOPE));
    if (sure) return { ...nlu, confidence: Math.max(nlu.confidence, deps.confidentAt) };
    const { question: _q, ...rest } = nlu;
    return placeUnsure(clause, rest, deps);
  }
  if (nlu.confidence >= deps.confidentAt) return nlu;
  const best = deps.kb.rank(clause, 3).find((r) => !isOverview(r.id));
  if (best && best.score >= SURE_ANYWHERE && best.topic !== OUT_OF_SCOPE)
    return {
      ...nlu,
      intent: best.topic,
      confidence: deps.confidentAt,
      alternatives: [{ intent: nlu.intent, confidence: nlu.confidence }, ...nlu.alternatives],
      question: { id: best.id, confidence: best.score },
    };
  const { question: _q, ...rest } = nlu;
  return placeUnsure(clause, rest, deps);
}

/**
 * A message the classifier found unlike every topic. Out of scope when it matched the
 * out-of-scope examples (天气, 订机票) and uses none of the business's words; not understood when
 * it matched nothing at all (阿巴阿巴: the bot asks to rephrase, it does not claim to know the
 * subject is outside its service); an in-domain question the bot cannot place when it uses the
 * business's vocabulary (the closest standard questions are offered: 您是想问…).
 */
function placeUnsure(clause: string, nlu: NluResult, deps: UnderstandingDeps): NluResult {
  const inDomain = deps.inDomain(clause);
  if (!inDomain) {
    // ...and the knowledge base sees one of the out-of-scope subjects in it too: 这玩意咋整啊弄不了
    // resembles no subject at all, and is asked to be put another way, not refused.
    const matchedOutOfScope =
      nlu.intent === OUT_OF_SCOPE &&
      nlu.alternatives.length > 0 &&
      nlu.confidence >= SURE_OUT_OF_SCOPE_TOPIC &&
      deps.kb
        .rank(clause, 3)
        .some((r) => r.topic === OUT_OF_SCOPE && r.score >= SEEN_OUT_OF_SCOPE / 2);
    // 那周末呢 with nothing in play is not a request for something else: it is unplaced.
    const request = REQUEST_SHAPE.test(clause) && !LEAD.test(clause.trim());
    if (matchedOutOfScope || request)
      return {
        ...nlu,
        intent: OUT_OF_SCOPE,
        confidence: Math.max(nlu.confidence, deps.confidentAt),
      };
    return {
      ...nlu,
      intent: OUT_OF_SCOPE,
      confidence: Math.min(nlu.confidence, deps.confidentAt - 0.01),
    };
  }
  const ranked = deps.kb
    .rank(clause, 6)
    .filter((r) => r.topic !== OUT_OF_SCOPE && r.score >= 0.15 && !isOverview(r.id));
  return {
    ...nlu,
    intent: OUT_OF_SCOPE,
    confidence: Math.min(nlu.confidence, deps.confidentAt - 0.01),
    candidates: ranked.slice(0, 3).map((r) => ({ id: r.id, confidence: r.score })),
  };
}

/**
 * A clause that names no board or product asks about the one in play: 涨跌幅是多少 after 北交所
 * questions is the BSE price limit, 它最少买几股 after 科创板 the STAR lot.
 */
function inheritFacets(
  clause: string,
  ask: Extract<Ask, { kind: 'message' }>,
  inPlay: Record<string, string>,
  deps: UnderstandingDeps,
): Extract<Ask, { kind: 'message' }> {
  const question = ask.nlu.question ? deps.kb.questions.get(ask.nlu.question.id) : undefined;
  if (!question?.aspect) return ask;
  const named = new Set(deps.kb.facetsOf(clause).map((m) => m.key));
  const inherited = Object.entries(inPlay)
    .filter(
      ([key, value]) => key in question.facets && !named.has(key) && question.facets[key] !== value,
    )
    .map(([key, value]) => ({ key, value }));
  if (inherited.length === 0) return ask;
  const same = deps.kb.sameQuestionFor(question, inherited);
  if (!same) return ask;
  return {
    ...ask,
    nlu: {
      ...ask.nlu,
      intent: same.topic,
      question: { id: same.id, confidence: ask.nlu.question?.confidence ?? 0.9 },
    },
  };
}

/**
 * 科创板和创业板开通条件分别是啥: one question asked for two boards is answered for each, in the
 * order the customer named them.
 */
function forEachNamed(clause: string, ask: Ask, deps: UnderstandingDeps): Ask[] {
  if (ask.kind !== 'message' || !ask.nlu.question) return [ask];
  const question = deps.kb.questions.get(ask.nlu.question.id);
  if (!question?.aspect) return [ask];
  const named = deps.kb.facetsOf(clause);
  const asks: Ask[] = [];
  for (const key of Object.keys(question.facets)) {
    const values = [...new Set(named.filter((m) => m.key === key).map((m) => m.value))];
    if (values.length < 2) continue;
    for (const value of values) {
      const q =
        question.facets[key] === value
          ? question
          : deps.kb.sameQuestionFor(question, [{ key, value }]);
      if (q) asks.push(asked(clause, q, ask.nlu, 'facet'));
    }
    if (asks.length >= 2) return asks;
  }
  return [ask];
}

/** Greetings and thanks next to real questions are manners, not questions to answer. */
function dropSmallTalk(asks: Ask[], deps: UnderstandingDeps): Ask[] {
  const substantive = asks.filter(
    (a) => a.kind !== 'message' || !deps.smallTalkIntents.includes(a.nlu.intent),
  );
  if (substantive.length === 0) return asks.slice(0, 1);
  // 如果够咗 仲要考试㗎？几多分合格: a piece that places nothing beside one that is answered adds
  // only a "please rephrase" to the answer; the answer alone serves the customer better.
  const unplaced = (a: Ask): boolean =>
    a.kind === 'message' &&
    !a.nlu.question &&
    !a.nlu.candidates?.length &&
    (a.nlu.intent === OUT_OF_SCOPE || a.nlu.confidence < deps.confidentAt);
  const placed = substantive.filter((a) => !unplaced(a));
  if (placed.length > 0) return placed;
  // 你是不是人工智能啊，回得这么快: the small talk is what was understood; it is answered.
  return substantive.length < asks.length
    ? asks.filter((a) => !substantive.includes(a))
    : substantive;
}

/** The same question asked twice in one message is answered once. */
function dedupe(asks: Ask[]): Ask[] {
  const seen = new Set<string>();
  return asks.filter((a) => {
    // Two clauses that reach the same answer (a question, or a topic's overview) get it once.
    const key =
      a.kind === 'not_helped' || a.kind === 'in_steps'
        ? a.kind
        : a.kind === 'repeat' || a.kind === 'part'
          ? `q:${a.questionId}`
          : a.nlu.question
            ? `q:${a.nlu.question.id}`
            : a.nlu.intent === OUT_OF_SCOPE && a.nlu.confidence < 0.5
              ? `t:${a.text}`
              : `i:${a.nlu.intent}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Length of a clause in Chinese characters, a Latin word counting as one (interest rate 几多: 4). */
function clauseSize(normalized: string): number {
  return normalized.replace(/[a-z0-9]+/g, 'w').replace(/\s+/g, '').length;
}

function facetRecord(facets: readonly FacetValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of facets ?? []) out[f.key] = f.value;
  return out;
}
