// Loads and validates what content teams edit: intents/*.yaml and the firm settings.
// Problems are collected as `file:line: message` issues instead of thrown, so `csbot lint`
// can show all of them at once; the app refuses to start while any is an error.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type {
  ContentIssue,
  Facets,
  FirmSettings,
  IntentDefinition,
  IntentQuickReply,
  SourcePosition,
  StandardQuestion,
} from './types.ts';
import { loadFacetLexicon, type FacetLexicon } from './facets.ts';
import { positionOf, syntaxIssue } from './pin.ts';

export interface LoadedContent {
  intents: IntentDefinition[];
  firm: FirmSettings;
  /** Words that name a board, product... (intents/facets.yaml), for follow-up questions. */
  facets: FacetLexicon;
  issues: ContentIssue[];
  /** Absolute paths the content came from, for hot reload and error messages. */
  paths: {
    rootDir: string;
    intentsDir: string;
    firmPath: string;
    lexiconPath: string;
    synonymsPath: string;
    stocksPath: string;
    facetsPath: string;
  };
}

export interface LoadContentOptions {
  /** Project root holding intents/ and config/ (defaults to the current directory). */
  rootDir?: string;
  /** Firm settings file; defaults to <rootDir>/config/firm.yaml. */
  firmPath?: string;
}

const INTENT_KEYS = new Set([
  'id',
  'title',
  'riskDisclosure',
  'dialog',
  'dialogWhen',
  'examples',
  'answer',
  'quickReplies',
  'questions',
]);
const QUESTION_KEYS = new Set([
  'id',
  'q',
  'similar',
  'answer',
  'facets',
  'aspect',
  'related',
  'next',
  'riskDisclosure',
]);
const QUESTION_ID_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z0-9][a-z0-9_]*)+$/;
const ID_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

export function loadContent(options: LoadContentOptions = {}): LoadedContent {
  const rootDir = options.rootDir ?? process.cwd();
  const intentsDir = join(rootDir, 'intents');
  const firmPath = options.firmPath ?? join(rootDir, 'config', 'firm.yaml');
  const issues: ContentIssue[] = [];
  const firm = loadFirmSettings(firmPath, rootDir, issues);
  const intents: IntentDefinition[] = [];
  if (!existsSync(intentsDir)) {
    issues.push({
      file: 'intents',
      line: 0,
      message: 'folder intents/ not found',
      severity: 'error',
    });
  } else {
    for (const name of readdirSync(intentsDir).sort()) {
      if (!/\.ya?ml$/.test(name) || name === 'facets.yaml') continue;
      const path = join(intentsDir, name);
      intents.push(...parseIntentFile(readFileSync(path, 'utf8'), relative(rootDir, path), issues));
    }
  }
  const facetsPath = join(intentsDir, 'facets.yaml');
  const facets = loadFacetLexicon(facetsPath, rootDir, issues);
  return {
    intents,
    firm,
    facets,
    issues,
    paths: {
      rootDir,
      intentsDir,
      firmPath,
      lexiconPath: join(intentsDir, 'lexicon.txt'),
      synonymsPath: join(intentsDir, 'synonyms.txt'),
      stocksPath: join(intentsDir, 'stocks.txt'),
      facetsPath,
    },
  };
}

function loadFirmSettings(path: string, rootDir: string, issues: ContentIssue[]): FirmSettings {
  const file = relative(rootDir, path) || path;
  if (!existsSync(path)) {
    issues.push({ file, line: 0, message: 'firm settings file not found', severity: 'error' });
    return {};
  }
  const lineCounter = new LineCounter();
  const text = readFileSync(path, 'utf8');
  const doc = parseDocument(text, { lineCounter });
  const first = doc.errors[0];
  if (first) issues.push(syntaxIssue(text, file, lineCounter, first));
  const settings: FirmSettings = {};
  if (!isMap(doc.contents)) {
    if (doc.errors.length === 0)
      issues.push({
        file,
        line: 1,
        column: 1,
        message: 'expected key: value settings',
        severity: 'error',
      });
    return settings;
  }
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const at = nodeAt(lineCounter, pair.key as YamlNode);
    if (
      !isScalar(pair.value) ||
      pair.value.value === null ||
      typeof pair.value.value === 'object'
    ) {
      issues.push({
        file,
        ...at,
        message: `setting "${key}" must be a single value`,
        severity: 'error',
      });
      continue;
    }
    settings[key] = String(pair.value.value);
  }
  return settings;
}

/** Parses one intents file; exported for tests and for lint of a single file. */
export function parseIntentFile(
  text: string,
  file: string,
  issues: ContentIssue[],
): IntentDefinition[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const error = (at: SourcePosition, message: string): void => {
    issues.push({ file, ...at, message, severity: 'error' });
  };
  const first = doc.errors[0];
  if (first) {
    issues.push(syntaxIssue(text, file, lineCounter, first));
    return [];
  }
  const root = doc.contents;
  if (!isMap(root)) {
    error({ line: 1, column: 1 }, 'expected a top-level "intents:" list');
    return [];
  }
  const list = root.get('intents', true);
  if (!isSeq(list)) {
    error(nodeAt(lineCounter, root as unknown as YamlNode), 'expected a top-level "intents:" list');
    return [];
  }
  const result: IntentDefinition[] = [];
  for (const item of list.items) {
    const itemAt = nodeAt(lineCounter, item as YamlNode);
    if (!isMap(item)) {
      error(itemAt, 'each intent must be a mapping with id, title, examples, answer');
      continue;
    }
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!INTENT_KEYS.has(key)) {
        error(
          nodeAt(lineCounter, pair.key as YamlNode),
          `unknown key "${key}" (allowed: ${[...INTENT_KEYS].join(', ')})`,
        );
      }
    }
    const idNode = item.get('id', true);
    const idAt = idNode ? nodeAt(lineCounter, idNode as YamlNode) : itemAt;
    const id = scalarString(idNode);
    if (!id) {
      error(itemAt, 'intent without "id"');
      continue;
    }
    if (!ID_PATTERN.test(id)) error(idAt, `intent id "${id}" must look like faq.account_open`);
    const title = scalarString(item.get('title', true));
    if (!title) error(idAt, `intent ${id}: missing "title" (short Chinese name)`);

    const examples = stringList(
      item.get('examples', true),
      lineCounter,
      `intent ${id}: examples`,
      error,
      idAt,
    );
    const answerNode = item.get('answer', true);
    const answers = isScalar(answerNode)
      ? [String(answerNode.value ?? '')].filter((a) => a.trim())
      : stringList(answerNode, lineCounter, `intent ${id}: answer`, error, idAt);
    if (answers.length === 0) error(idAt, `intent ${id}: needs at least one answer`);

    const riskNode = item.get('riskDisclosure', true);
    let riskDisclosure = false;
    if (riskNode !== undefined) {
      if (!isScalar(riskNode) || typeof riskNode.value !== 'boolean') {
        error(
          nodeAt(lineCounter, riskNode as YamlNode),
          `intent ${id}: riskDisclosure must be true or false`,
        );
      } else riskDisclosure = riskNode.value;
    }
    const dialogNode = item.get('dialog', true);
    const dialog = dialogNode === undefined ? undefined : scalarString(dialogNode);
    if (dialogNode !== undefined && !dialog) {
      error(
        nodeAt(lineCounter, dialogNode as YamlNode),
        `intent ${id}: dialog must be a dialog id`,
      );
    }

    const whenNode = item.get('dialogWhen', true);
    const dialogWhen = whenNode === undefined ? undefined : scalarString(whenNode);
    if (whenNode !== undefined) {
      const line = nodeAt(lineCounter, whenNode as YamlNode);
      if (!dialogWhen) error(line, `intent ${id}: dialogWhen must be a regular expression`);
      else if (dialogNode === undefined)
        error(line, `intent ${id}: dialogWhen needs a dialog to start`);
      else {
        try {
          new RegExp(dialogWhen, 'u');
        } catch (e) {
          error(
            line,
            `intent ${id}: dialogWhen is not a valid regular expression: ${(e as Error).message}`,
          );
        }
      }
    }

    const quickReplies: IntentQuickReply[] = [];
    const qrNode = item.get('quickReplies', true);
    if (qrNode !== undefined) {
      if (!isSeq(qrNode))
        error(nodeAt(lineCounter, qrNode as YamlNode), `intent ${id}: quickReplies must be a list`);
      else {
        for (const qr of qrNode.items) {
          const line = nodeAt(lineCounter, qr as YamlNode);
          const label = isMap(qr) ? scalarString(qr.get('label', true)) : undefined;
          const target = isMap(qr) ? scalarString(qr.get('intent', true)) : undefined;
          if (!label || !target)
            error(line, `intent ${id}: each quick reply needs "label" and "intent"`);
          else quickReplies.push({ label, intent: target });
        }
      }
    }
    const questionsNode = item.get('questions', true);
    const questions =
      questionsNode === undefined
        ? []
        : parseQuestions(questionsNode, id, riskDisclosure, file, lineCounter, error);
    result.push({
      id,
      title: title ?? id,
      examples,
      answers,
      quickReplies,
      riskDisclosure,
      questions,
      ...(dialog ? { dialog } : {}),
      ...(dialog && dialogWhen ? { dialogWhen } : {}),
      source: {
        file,
        line: idAt.line,
        column: idAt.column,
        examplesAt: entriesAt(lineCounter, item.get('examples', true)),
        answersAt: isSeq(answerNode)
          ? entriesAt(lineCounter, answerNode)
          : [nodeAt(lineCounter, answerNode as YamlNode)],
        quickRepliesAt: isSeq(qrNode)
          ? qrNode.items.map((qr) =>
              nodeAt(lineCounter, (isMap(qr) ? (qr.get('intent', true) ?? qr) : qr) as YamlNode),
            )
          : [],
        ...(dialogNode !== undefined
          ? { dialogAt: nodeAt(lineCounter, dialogNode as YamlNode) }
          : {}),
      },
    });
  }
  return result;
}

/** The `questions:` of one topic: standard question, paraphrases, answer, facets, links. */
function parseQuestions(
  node: unknown,
  topic: string,
  topicRisk: boolean,
  file: string,
  lineCounter: LineCounter,
  error: (at: SourcePosition, message: string) => void,
): StandardQuestion[] {
  if (!isSeq(node)) {
    error(nodeAt(lineCounter, node as YamlNode), `intent ${topic}: questions must be a list`);
    return [];
  }
  const out: StandardQuestion[] = [];
  for (const item of node.items) {
    const itemAt = nodeAt(lineCounter, item as YamlNode);
    if (!isMap(item)) {
      error(itemAt, `intent ${topic}: each question needs id, q, similar and answer`);
      continue;
    }
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!QUESTION_KEYS.has(key)) {
        error(
          nodeAt(lineCounter, pair.key as YamlNode),
          `unknown key "${key}" in a question (allowed: ${[...QUESTION_KEYS].join(', ')})`,
        );
      }
    }
    const idNode = item.get('id', true);
    const at = idNode ? nodeAt(lineCounter, idNode as YamlNode) : itemAt;
    const id = scalarString(idNode);
    if (!id) {
      error(itemAt, `intent ${topic}: question without "id"`);
      continue;
    }
    if (!QUESTION_ID_PATTERN.test(id))
      error(at, `question id "${id}" must look like star.conditions (lower case, a dot)`);
    const question = scalarString(item.get('q', true))?.trim();
    if (!question) error(at, `question ${id}: missing "q" (the standard question)`);
    const similarNode = item.get('similar', true);
    const similar =
      similarNode === undefined
        ? []
        : stringList(similarNode, lineCounter, `question ${id}: similar`, error, at);
    const similarAt = entriesAt(lineCounter, similarNode);
    const answerNode = item.get('answer', true);
    const answers = isScalar(answerNode)
      ? [String(answerNode.value ?? '').trim()].filter(Boolean)
      : stringList(answerNode, lineCounter, `question ${id}: answer`, error, at);
    const answersAt = isSeq(answerNode)
      ? entriesAt(lineCounter, answerNode)
      : [nodeAt(lineCounter, answerNode as YamlNode)];
    if (answers.length === 0) error(at, `question ${id}: needs an answer`);
    const facetsNode = item.get('facets', true);
    const facets: Record<string, string> = {};
    if (facetsNode !== undefined) {
      if (!isMap(facetsNode))
        error(
          nodeAt(lineCounter, facetsNode as YamlNode),
          `question ${id}: facets must be a mapping such as { board: star }`,
        );
      else
        for (const pair of facetsNode.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : '';
          const value = scalarString(pair.value);
          if (!key || !value)
            error(
              nodeAt(lineCounter, pair.key as YamlNode),
              `question ${id}: facet "${key}" needs a value`,
            );
          else facets[key] = value;
        }
    }
    const aspectNode = item.get('aspect', true);
    const aspect = aspectNode === undefined ? undefined : scalarString(aspectNode);
    if (aspectNode !== undefined && !aspect)
      error(nodeAt(lineCounter, aspectNode as YamlNode), `question ${id}: aspect must be a word`);
    const relatedNode = item.get('related', true);
    const related =
      relatedNode === undefined
        ? []
        : stringList(relatedNode, lineCounter, `question ${id}: related`, error, at);
    const nextNode = item.get('next', true);
    const next = nextNode === undefined ? undefined : scalarString(nextNode);
    const riskNode = item.get('riskDisclosure', true);
    let riskDisclosure = topicRisk;
    if (riskNode !== undefined) {
      if (!isScalar(riskNode) || typeof riskNode.value !== 'boolean')
        error(
          nodeAt(lineCounter, riskNode as YamlNode),
          `question ${id}: riskDisclosure must be true or false`,
        );
      else riskDisclosure = riskNode.value;
    }
    out.push({
      id,
      topic,
      question: question ?? id,
      similar,
      answers,
      facets: facets as Facets,
      ...(aspect ? { aspect } : {}),
      related,
      ...(next ? { next } : {}),
      riskDisclosure,
      source: {
        file,
        line: at.line,
        column: at.column,
        similarLines: similarAt.map((p) => p.line),
        answerLines: answersAt.map((p) => p.line),
        similarAt,
        answersAt,
        relatedAt: entriesAt(lineCounter, relatedNode),
        ...(relatedNode !== undefined
          ? { relatedLine: nodeAt(lineCounter, relatedNode as YamlNode).line }
          : {}),
        ...(nextNode !== undefined
          ? {
              nextLine: nodeAt(lineCounter, nextNode as YamlNode).line,
              nextAt: nodeAt(lineCounter, nextNode as YamlNode),
            }
          : {}),
        ...(facetsNode !== undefined
          ? {
              facetsLine: nodeAt(lineCounter, facetsNode as YamlNode).line,
              facetsAt: nodeAt(lineCounter, facetsNode as YamlNode),
            }
          : {}),
      },
    });
  }
  return out;
}

function stringList(
  node: unknown,
  lineCounter: LineCounter,
  what: string,
  error: (at: SourcePosition, message: string) => void,
  fallback: SourcePosition,
): string[] {
  if (node === undefined) {
    error(fallback, `${what} missing`);
    return [];
  }
  if (!isSeq(node)) {
    error(nodeAt(lineCounter, node as YamlNode), `${what} must be a list`);
    return [];
  }
  const out: string[] = [];
  for (const entry of node.items) {
    const value = scalarString(entry);
    if (value === undefined || value.trim() === '') {
      error(nodeAt(lineCounter, entry as YamlNode), `${what}: empty or non-text entry`);
    } else out.push(value.trim());
  }
  return out;
}

function scalarString(node: unknown): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  if (typeof node.value === 'object') return undefined;
  return String(node.value);
}

function nodeAt(lineCounter: LineCounter, node: YamlNode | null | undefined): SourcePosition {
  const offset = node && 'range' in node && node.range ? node.range[0] : 0;
  return positionOf(lineCounter, offset);
}

/** Where each entry of a list node is (empty when the node is not a list). */
function entriesAt(lineCounter: LineCounter, node: unknown): SourcePosition[] {
  return isSeq(node) ? node.items.map((n) => nodeAt(lineCounter, n as YamlNode)) : [];
}
