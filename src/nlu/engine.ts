// The NLU engine the app uses: the classifier trained from the shipped intents plus entity
// extraction, behind one `analyze` call. Built once at start-up (and again on content reload).
import { existsSync, readFileSync } from 'node:fs';
import { normalizeText, onlyLongNumbers, withoutLongNumbers } from './normalize.ts';
import type { LoadedContent } from '../content/load.ts';
import {
  trainIntentClassifier,
  type ClassifierOptions,
  type TrainedIntentClassifier,
} from './classifier.ts';
import {
  boardOf,
  createEntityExtractor,
  loadStockListings,
  type Board,
  type StockListing,
} from './entities.ts';
import { namedSecurities, withRuleIntent } from './rule-intent.ts';
import { createSynonymTable, loadSynonyms, type SynonymTable } from './synonyms.ts';
import {
  CORE_SECURITIES_WORDS,
  createTokenizer,
  parseLexicon,
  type Tokenizer,
} from './tokenize.ts';
import {
  OUT_OF_SCOPE,
  type IntentClassifier,
  type LabeledExample,
  type NluResult,
} from './types.ts';
import { buildKnowledgeBase, type KnowledgeBase } from '../kb/knowledge-base.ts';
import { readQuestion } from '../kb/question-reading.ts';

export interface NluEngine {
  /** Topic, standard question, entities and facets of one message read on its own. */
  analyze(text: string, now?: Date): NluResult;
  /** Intent ids the classifier knows. */
  readonly labels: readonly string[];
  /** The standard questions the second level reads messages against. */
  readonly kb: KnowledgeBase;
  /** Whether a message uses the business's vocabulary (lexicon, synonyms, boards, stocks). */
  inDomain(text: string): boolean;
}

export interface BuildNluOptions {
  classifier?: ClassifierOptions;
  /** Use this classifier instead of training one (tests inject the fake). */
  classifierOverride?: IntentClassifier & { labels?: readonly string[] };
}

/**
 * Every example of every intent, as training data of the topic classifier: the topic's own
 * examples and every phrasing of its standard questions (a 相似问 is a way of asking the topic).
 */
export function examplesOf(content: Pick<LoadedContent, 'intents'>): LabeledExample[] {
  return content.intents.flatMap((intent) =>
    [...intent.examples, ...intent.questions.flatMap((q) => [q.question, ...q.similar])].map(
      (text) => ({ text, label: intent.id }),
    ),
  );
}

/**
 * How the shipped content wants messages read: its lexicon and stock names kept whole by the
 * tokenizer, and its synonyms. Content without a lexicon or synonyms file gets none (not the
 * project's own), so a test's fixture content is read on its own terms.
 */
export function contentReading(
  content: LoadedContent,
  stocks: readonly StockListing[] = [],
): { tokenizer: Tokenizer; synonyms: SynonymTable } {
  const { lexiconPath, synonymsPath } = content.paths;
  return {
    tokenizer: createTokenizer({
      ...(existsSync(lexiconPath) ? { lexiconPath } : {}),
      // Listed names and the short names customers use (茅台, 京东方) stay whole words.
      extraWords: stocks.flatMap((s) => [s.name, ...(s.aliases ?? [])]),
    }),
    synonyms: existsSync(synonymsPath) ? loadSynonyms(synonymsPath) : createSynonymTable([]),
  };
}

export function buildNluEngine(content: LoadedContent, options: BuildNluOptions = {}): NluEngine {
  const steps = nluBuildSteps(content, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The same build, handing control back between its long steps (topic classifier, knowledge base)
 * so a running bot keeps answering turns while content reloads.
 */
export async function buildNluEngineYielding(
  content: LoadedContent,
  options: BuildNluOptions = {},
  pause: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve)),
): Promise<NluEngine> {
  const steps = nluBuildSteps(content, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await pause();
  }
}

/** The build as steps: each `yield` is a point where a caller may let other work run. */
function* nluBuildSteps(
  content: LoadedContent,
  options: BuildNluOptions,
): Generator<void, NluEngine> {
  const stocks: StockListing[] = existsSync(content.paths.stocksPath)
    ? loadStockListings(content.paths.stocksPath)
    : [];
  const extractor = createEntityExtractor({ stocks });
  let classifier: IntentClassifier;
  let labels: readonly string[];
  const reading = contentReading(content, stocks);
  yield;
  if (options.classifierOverride) {
    classifier = options.classifierOverride;
    labels = options.classifierOverride.labels ?? content.intents.map((i) => i.id);
  } else {
    const trained: TrainedIntentClassifier = trainIntentClassifier(examplesOf(content), {
      ...reading,
      ...options.classifier,
    });
    classifier = trained;
    labels = trained.labels;
  }
  yield;
  const kb = buildKnowledgeBase(content.intents, content.facets, {
    classifier: { ...reading, ...options.classifier, rejectOutOfScope: false },
  });
  yield;
  const vocabulary = domainVocabulary(content, reading.synonyms);
  return {
    labels,
    kb,
    inDomain(text: string): boolean {
      const normalized = normalizeText(text);
      if (!normalized) return false;
      if (reading.synonyms.expand(normalized).some((w) => vocabulary.has(w))) return true;
      if (kb.facetsOf(text).length > 0) return true;
      if (namedSecurities(extractor.extract(text)).length > 0) return true;
      return reading.tokenizer.cut(normalized).some((w) => vocabulary.has(w));
    },
    analyze(text: string, now?: Date): NluResult {
      // A phone, card or ID number says nothing about the question, but its digits would weigh
      // in the features (a phone number pulled 涨到60%会怎样 toward a question about 12386).
      const words = withoutLongNumbers(text);
      const entities = extractor.extract(text, now);
      // A number alone (an account number typed out of the blue) asks nothing: no topic is read
      // into its digits.
      if (onlyLongNumbers(text))
        return { intent: OUT_OF_SCOPE, confidence: 0, alternatives: [], entities };
      const result = classifier.classify(words);
      const topic = boardPermissionHint(text, { ...result, entities }, labels);
      return readQuestion(kb, words, topic);
    },
  };
}

/** Everyday words of the business that the lexicon leaves to jieba (关于交易的问题 is in-domain). */
const BUSINESS_WORDS = [
  '证券',
  '股票',
  '炒股',
  '交易',
  '账户',
  '账号',
  '资金',
  '基金',
  '理财',
  '券商',
  '业务',
  '权限',
  '委托',
  '持仓',
  '转账',
  '开户',
  '销户',
];

/** The lexicon's words and the core securities words: a message using one is about the business. */
function domainVocabulary(content: LoadedContent, synonyms: SynonymTable): Set<string> {
  const words = new Set<string>(
    [...CORE_SECURITIES_WORDS, ...BUSINESS_WORDS].map((w) => normalizeText(w)),
  );
  const { lexiconPath } = content.paths;
  if (existsSync(lexiconPath))
    for (const e of parseLexicon(readFileSync(lexiconPath, 'utf8'), lexiconPath))
      words.add(normalizeText(e.word));
  // Standard words of small talk (你好, 谢谢) say nothing about the business.
  const smallTalk = content.intents
    .filter((i) => i.id.startsWith('chitchat.'))
    .flatMap((i) => i.examples.map((e) => normalizeText(e)))
    .join('|');
  for (const g of synonyms.groups) if (!smallTalk.includes(g.canonical)) words.add(g.canonical);
  return words;
}

const PERMISSION_OF_BOARD: Partial<Record<Board, string>> = {
  star: 'faq.permission_star',
  chinext: 'faq.permission_chinext',
  bse: 'faq.permission_bse',
  hk: 'faq.permission_hk_connect',
};
const ASKS_ABOUT_PERMISSION = /权限|开通|资格|门槛|条件/;

/**
 * "买腾讯要开什么权限": which permission a stock needs depends on its board, which the words do not
 * say (腾讯 is Hong Kong, 300750 ChiNext). When the message asks about permissions and names
 * securities of exactly one such board, that board's permission intent is the answer; what the
 * classifier thought stays among the alternatives.
 */
export function boardPermissionHint(
  text: string,
  result: NluResult,
  knownIntents: readonly string[],
): NluResult {
  if (!ASKS_ABOUT_PERMISSION.test(text)) return result;
  const intents = new Set<string>();
  for (const symbol of namedSecurities(result.entities)) {
    const board = boardOf(symbol);
    const intent = board ? PERMISSION_OF_BOARD[board] : undefined;
    if (intent) intents.add(intent);
  }
  const [intent] = intents;
  if (intents.size !== 1 || !intent || !knownIntents.includes(intent)) return result;
  return withRuleIntent(result, intent);
}
