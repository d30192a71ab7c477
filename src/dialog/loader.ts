// Loads dialogs/*.yaml into DialogDefinitions. Every problem is collected as `file:line: message`
// (lines from the yaml LineCounter) so `csbot lint` can show them all; a dialog with an error is
// left out of the set so the bot never runs half a dialog.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Node as YamlNode,
  type YAMLMap,
} from 'yaml';
import type { ContentIssue, FirmSettings, SourcePosition } from '../content/types.ts';
import { closestName, didYouMean, positionOf, syntaxIssue } from '../content/pin.ts';
import { placeholdersIn } from '../content/render.ts';
import type { EntityType } from '../nlu/types.ts';
import { BOARDS, type Board } from '../nlu/entities/stock.ts';
import { slotPlaceholdersIn, TEMPLATE_FILTERS } from './template.ts';
import {
  EFFECT_KINDS,
  HANDOFF_REASONS,
  SLOT_TYPES,
  type ChoiceOption,
  type Condition,
  type DialogDefinition,
  type DialogNode,
  type DialogSet,
  type EffectKind,
  type QuickReplyDef,
  type SlotType,
} from './types.ts';
import type { HandoffReason } from '../handoff/types.ts';
import { INTENT_CHOICE_PREFIX } from './interpreter.ts';
import { DEFAULT_ANSWERS, mergeAnswers, type AnswerSets } from './answers.ts';
import { readsAsQuestion } from './reask.ts';

const ENTITY_TYPES: readonly EntityType[] = [
  'stock_code',
  'stock_name',
  'money',
  'datetime',
  'phone',
  'id_card',
  'bank_card',
  'email',
];
const DIALOG_KEYS = ['id', 'title', 'start', 'interrupt', 'onCancel', 'answers', 'nodes'];
const NODE_KEYS: Record<DialogNode['kind'], string[]> = {
  say: ['text', 'quickReplies', 'riskDisclosure', 'next'],
  ask: [
    'slot',
    'type',
    'prompt',
    'reprompt',
    'reask',
    'options',
    'optional',
    'maxRetries',
    'onFail',
    'next',
    'label',
    'prefill',
    'acceptsQuestions',
  ],
  choice: [
    'slot',
    'prompt',
    'reprompt',
    'reask',
    'options',
    'maxRetries',
    'onFail',
    'next',
    'prefill',
    'label',
  ],
  branch: ['cases', 'default'],
  answer: ['intent', 'next'],
  suggest: ['text', 'max', 'next'],
  handoff: ['reason', 'text'],
  effect: ['effect', 'next', 'onError', 'incomplete'],
  end: ['text', 'then'],
};
const ID_PATTERN = /^[a-z][a-z0-9_]*$/;
// The desk decides whether the customer is queued, told it is after hours or offered a message,
// and says so itself: a handoff node announcing the transfer would be contradicted.
const TRANSFER_PROMISE = /正在.{0,8}转接|请稍候|马上.{0,4}转接|为您转接/u;
const DEFAULT_MAX_RETRIES = 2;

export interface LoadedDialogs {
  dialogs: DialogSet;
  issues: ContentIssue[];
}

/** Loads every .yaml/.yml file of `dir`; file names in issues are relative to `rootDir`. */
export function loadDialogs(dir: string, rootDir: string = join(dir, '..')): LoadedDialogs {
  const issues: ContentIssue[] = [];
  const dialogs = new Map<string, DialogDefinition>();
  if (!existsSync(dir)) {
    issues.push({
      file: relative(rootDir, dir) || dir,
      line: 0,
      message: 'dialogs folder not found',
      severity: 'error',
    });
    return { dialogs, issues };
  }
  for (const name of readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(name)) continue;
    const path = join(dir, name);
    for (const dialog of parseDialogFile(
      readFileSync(path, 'utf8'),
      relative(rootDir, path),
      issues,
    )) {
      const previous = dialogs.get(dialog.id);
      if (previous) {
        issues.push({
          file: dialog.source.file,
          line: dialog.source.line,
          message: `dialog ${dialog.id} is defined twice (also ${previous.source.file}:${previous.source.line})`,
          severity: 'error',
        });
      } else dialogs.set(dialog.id, dialog);
    }
  }
  return { dialogs, issues };
}

/** Parses one file holding a dialog (`id:` at the top) or several (`dialogs:` list). */
export function parseDialogFile(
  text: string,
  file: string,
  issues: ContentIssue[],
  answers: AnswerSets = DEFAULT_ANSWERS,
): DialogDefinition[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const positionOfNode = (node: unknown): SourcePosition => {
    const range = (node as YamlNode | null | undefined)?.range;
    return positionOf(lineCounter, range ? range[0] : 0);
  };
  const lineOfNode = (node: unknown): number => positionOfNode(node).line;
  // One issue per file that does not parse: the parser's later errors are knock-ons of the first.
  const first = doc.errors[0];
  if (first) {
    issues.push(syntaxIssue(text, file, lineCounter, first));
    return [];
  }
  const root = doc.contents;
  if (!isMap(root)) {
    issues.push({
      file,
      line: 1,
      message: 'expected a dialog (id, title, start, nodes) or a "dialogs:" list',
      severity: 'error',
    });
    return [];
  }
  const list = root.get('dialogs', true);
  const items: unknown[] = list === undefined ? [root] : isSeq(list) ? list.items : [];
  if (list !== undefined && !isSeq(list)) {
    issues.push({
      file,
      ...positionOfNode(list),
      message: '"dialogs" must be a list of dialogs',
      severity: 'error',
    });
  }
  const result: DialogDefinition[] = [];
  for (const item of items) {
    const before = issues.length;
    const dialog = parseDialog(item, file, lineOfNode, positionOfNode, issues, answers);
    if (dialog && !issues.slice(before).some((i) => i.severity === 'error')) result.push(dialog);
  }
  return result;
}

type LineOf = (node: unknown) => number;

function parseDialog(
  item: unknown,
  file: string,
  lineOf: LineOf,
  positionOfNode: (node: unknown) => SourcePosition,
  issues: ContentIssue[],
  shared: AnswerSets,
): DialogDefinition | null {
  const error = (node: unknown, message: string): void => {
    issues.push({
      file,
      ...positionOfNode(node === null ? item : node),
      message,
      severity: 'error',
    });
  };
  if (!isMap(item)) {
    error(item, 'each dialog must be a mapping with id, title, start and nodes');
    return null;
  }
  checkKeys(item, DIALOG_KEYS, 'dialog', error);
  const idNode = item.get('id', true);
  const id = str(idNode);
  if (!id) {
    error(item, 'dialog without "id"');
    return null;
  }
  if (!ID_PATTERN.test(id)) error(idNode, `dialog id "${id}" must be lower_snake_case`);
  const where = `dialog ${id}`;
  const title = str(item.get('title', true));
  if (!title)
    error(idNode, `${where}: missing "title" (short Chinese name, used in "我们继续刚才的…")`);
  const startNode = item.get('start', true);
  const start = str(startNode);
  if (!start) error(idNode, `${where}: missing "start" (id of the first node)`);
  const interruptNode = item.get('interrupt', true);
  const interrupt = interruptNode === undefined ? 'resume' : str(interruptNode);
  if (interrupt !== 'resume' && interrupt !== 'abandon') {
    error(interruptNode, `${where}: interrupt must be "resume" or "abandon"`);
  }
  const onCancel = texts(item.get('onCancel', true), `${where}: onCancel`, error, false);
  const answers = mergeAnswers(shared, answerSets(item.get('answers', true), where, error));
  const nodesNode = item.get('nodes', true);
  const nodes: Record<string, DialogNode> = {};
  if (!isMap(nodesNode)) {
    error(nodesNode ?? idNode, `${where}: "nodes" must be a mapping of node id to node`);
  } else {
    for (const pair of nodesNode.items) {
      const nodeId = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!ID_PATTERN.test(nodeId))
        error(pair.key, `${where}: node id "${nodeId}" must be lower_snake_case`);
      const node = parseNode(nodeId, pair.value, `${where} node ${nodeId}`, lineOf, error, answers);
      if (node) nodes[nodeId] = node;
    }
    if (
      start &&
      !nodes[start] &&
      !nodesNode.items.some((p) => isScalar(p.key) && p.key.value === start)
    ) {
      error(startNode, `${where}: start node "${start}" does not exist`);
    }
  }
  return {
    id,
    title: title ?? id,
    start: start ?? '',
    onCancel,
    interrupt: interrupt === 'abandon' ? 'abandon' : 'resume',
    nodes,
    source: { file, line: lineOf(idNode) },
  };
}

type ErrorAt = (node: unknown, message: string) => void;

function parseNode(
  id: string,
  value: unknown,
  where: string,
  lineOf: LineOf,
  error: ErrorAt,
  answers: AnswerSets,
): DialogNode | null {
  if (!isMap(value)) {
    error(value, `${where}: must be a mapping with "kind"`);
    return null;
  }
  const line = lineOf(value);
  const kindNode = value.get('kind', true);
  const kind = str(kindNode);
  if (!kind || !(kind in NODE_KEYS)) {
    error(kindNode ?? value, `${where}: kind must be one of ${Object.keys(NODE_KEYS).join(', ')}`);
    return null;
  }
  const k = kind as DialogNode['kind'];
  checkKeys(value, ['kind', ...NODE_KEYS[k]], where, error);
  const optStr = (key: string): string | undefined => {
    const n = value.get(key, true);
    if (n === undefined) return undefined;
    const s = str(n);
    if (!s) error(n, `${where}: ${key} must be text`);
    return s;
  };
  const reqStr = (key: string): string => {
    const s = optStr(key);
    if (s === undefined && value.get(key, true) === undefined)
      error(value, `${where}: missing "${key}"`);
    return s ?? '';
  };
  const bool = (key: string): boolean => {
    const n = value.get(key, true);
    if (n === undefined) return false;
    if (!isScalar(n) || typeof n.value !== 'boolean') {
      error(n, `${where}: ${key} must be true or false`);
      return false;
    }
    return n.value;
  };
  const count = (key: string, fallback: number): number => {
    const n = value.get(key, true);
    if (n === undefined) return fallback;
    if (!isScalar(n) || typeof n.value !== 'number' || !Number.isInteger(n.value) || n.value < 0) {
      error(n, `${where}: ${key} must be a whole number`);
      return fallback;
    }
    return n.value;
  };
  const textList = (key: string, required: boolean): string[] =>
    texts(value.get(key, true), `${where}: ${key}`, (n, m) => error(n ?? value, m), required);
  const next = optStr('next');
  switch (k) {
    case 'say':
      return {
        kind: k,
        id,
        line,
        text: textList('text', true),
        quickReplies: quickReplies(value.get('quickReplies', true), where, error),
        riskDisclosure: bool('riskDisclosure'),
        ...(next ? { next } : {}),
      };
    case 'ask': {
      const typeNode = value.get('type', true);
      const type = str(typeNode);
      if (!type || !(SLOT_TYPES as readonly string[]).includes(type)) {
        error(typeNode ?? value, `${where}: type must be one of ${SLOT_TYPES.join(', ')}`);
      }
      let options = choiceOptions(
        value.get('options', true),
        where,
        error,
        type === 'choice',
        answers,
      );
      if (type === 'yes_no' && options.length === 0) {
        options = [
          { label: '是', value: 'yes', answers: [...(answers.yes ?? [])] },
          { label: '否', value: 'no', answers: [...(answers.no ?? [])] },
        ];
      }
      const optional = bool('optional');
      const label = optStr('label');
      if (bool('acceptsQuestions') && type !== 'text') {
        error(
          value.get('acceptsQuestions', true),
          `${where}: acceptsQuestions is for text questions`,
        );
      }
      return {
        kind: k,
        id,
        line,
        slot: reqStr('slot'),
        type: (type ?? 'text') as SlotType,
        prompt: textList('prompt', true),
        reprompt: textList('reprompt', false),
        reask: textList('reask', false),
        options,
        optional,
        maxRetries: count('maxRetries', DEFAULT_MAX_RETRIES),
        onFail: reqStr('onFail'),
        next: reqStr('next'),
        ...(label ? { label } : {}),
        ...(bool('prefill') ? { prefill: true } : {}),
        skipWords: [...(answers.skip ?? [])],
        ...(type === 'text' ? { notAnswers: [...(answers.filler ?? [])] } : {}),
        ...(bool('acceptsQuestions') ? { acceptsQuestions: true } : {}),
      };
    }
    case 'choice': {
      const slot = optStr('slot');
      return {
        kind: k,
        id,
        line,
        ...(slot ? { slot } : {}),
        prompt: textList('prompt', true),
        reprompt: textList('reprompt', false),
        reask: textList('reask', false),
        options: choiceOptions(value.get('options', true), where, error, true, answers),
        maxRetries: count('maxRetries', DEFAULT_MAX_RETRIES),
        onFail: reqStr('onFail'),
        ...(next ? { next } : {}),
        ...(bool('prefill') ? { prefill: true } : {}),
        ...(optStr('label') ? { label: optStr('label') } : {}),
      };
    }
    case 'branch': {
      const casesNode = value.get('cases', true);
      const cases: { when: Condition; next: string }[] = [];
      if (!isSeq(casesNode))
        error(casesNode ?? value, `${where}: cases must be a list of { when, next }`);
      else {
        for (const c of casesNode.items) {
          if (!isMap(c)) {
            error(c, `${where}: each case needs "when" and "next"`);
            continue;
          }
          checkKeys(c, ['when', 'next'], `${where} case`, error);
          const when = condition(c.get('when', true), where, error);
          const caseNext = str(c.get('next', true));
          if (!caseNext) error(c, `${where}: case without "next"`);
          if (when && caseNext) cases.push({ when, next: caseNext });
        }
      }
      return { kind: k, id, line, cases, default: reqStr('default') };
    }
    case 'answer':
      return { kind: k, id, line, intent: reqStr('intent'), ...(next ? { next } : {}) };
    case 'suggest':
      return {
        kind: k,
        id,
        line,
        text: textList('text', true),
        max: count('max', 3),
        ...(next ? { next } : {}),
      };
    case 'handoff': {
      const reasonNode = value.get('reason', true);
      const reason = str(reasonNode) ?? 'customer_request';
      if (!(HANDOFF_REASONS as readonly string[]).includes(reason)) {
        error(reasonNode, `${where}: reason must be one of ${HANDOFF_REASONS.join(', ')}`);
      }
      const text = textList('text', false);
      if (text.some((t) => TRANSFER_PROMISE.test(t))) {
        error(
          value.get('text', true) ?? value,
          `${where}: a handoff text must not announce the transfer (正在为您转接…); the desk says whether the customer is queued, outside service hours or offered to leave a message`,
        );
      }
      return { kind: k, id, line, reason: reason as HandoffReason, text };
    }
    case 'effect': {
      const effectNode = value.get('effect', true);
      const effect = str(effectNode);
      if (!effect || !(EFFECT_KINDS as readonly string[]).includes(effect)) {
        error(effectNode ?? value, `${where}: effect must be one of ${EFFECT_KINDS.join(', ')}`);
      }
      const incomplete = bool('incomplete');
      if (incomplete && effect !== 'create_ticket') {
        error(value.get('incomplete', true), `${where}: incomplete is for effect create_ticket`);
      }
      return {
        kind: k,
        id,
        line,
        effect: (effect ?? 'create_ticket') as EffectKind,
        next: reqStr('next'),
        onError: reqStr('onError'),
        ...(incomplete ? { incomplete: true } : {}),
      };
    }
    case 'end': {
      const then = optStr('then');
      return { kind: k, id, line, text: textList('text', false), ...(then ? { then } : {}) };
    }
  }
}

function condition(node: unknown, where: string, error: ErrorAt): Condition | null {
  if (!isMap(node)) {
    error(node, `${where}: "when" must be a mapping (slot/equals/in/matches/intent/entity/board)`);
    return null;
  }
  checkKeys(
    node,
    ['slot', 'equals', 'in', 'matches', 'intent', 'entity', 'board'],
    `${where} when`,
    error,
  );
  const c: Condition = {};
  for (const key of ['slot', 'equals', 'matches', 'intent', 'entity', 'board'] as const) {
    const v = node.get(key, true);
    if (v === undefined) continue;
    const s = str(v);
    if (s === undefined) error(v, `${where}: when.${key} must be text`);
    else if (key === 'entity') {
      if (!(ENTITY_TYPES as readonly string[]).includes(s)) {
        error(v, `${where}: when.entity must be one of ${ENTITY_TYPES.join(', ')}`);
      } else c.entity = s as EntityType;
    } else if (key === 'board') {
      if (!(BOARDS as readonly string[]).includes(s)) {
        error(v, `${where}: when.board must be one of ${BOARDS.join(', ')}`);
      } else c.board = s as Board;
    } else c[key] = s;
  }
  if (c.matches !== undefined) {
    try {
      new RegExp(c.matches, 'u');
    } catch (e) {
      error(
        node.get('matches', true),
        `${where}: when.matches is not a valid regular expression (${(e as Error).message})`,
      );
    }
  }
  const inNode = node.get('in', true);
  if (inNode !== undefined) {
    if (!isSeq(inNode)) error(inNode, `${where}: when.in must be a list`);
    else c.in = inNode.items.map((i) => str(i) ?? '');
  }
  if (Object.keys(c).length === 0) error(node, `${where}: empty condition`);
  return c;
}

function choiceOptions(
  node: unknown,
  where: string,
  error: ErrorAt,
  required: boolean,
  answers: AnswerSets,
): ChoiceOption[] {
  if (node === undefined) {
    if (required) error(null, `${where}: needs "options" (the quick replies)`);
    return [];
  }
  if (!isSeq(node) || node.items.length === 0) {
    error(node, `${where}: options must be a non-empty list`);
    return [];
  }
  const out: ChoiceOption[] = [];
  for (const o of node.items) {
    if (isScalar(o) && str(o)) {
      const label = str(o) as string;
      out.push({ label, value: label });
      continue;
    }
    if (!isMap(o)) {
      error(o, `${where}: each option is a label or { label, value, next, then, says, means }`);
      continue;
    }
    checkKeys(o, ['label', 'value', 'next', 'then', 'says', 'means'], `${where} option`, error);
    const label = str(o.get('label', true));
    if (!label) {
      error(o, `${where}: option without "label"`);
      continue;
    }
    const value = str(o.get('value', true)) ?? label;
    const next = str(o.get('next', true));
    const then = str(o.get('then', true));
    const saysNode = o.get('says', true);
    const says =
      saysNode === undefined ? [] : phraseList(saysNode, `${where} option ${label}: says`, error);
    const meansNode = o.get('means', true);
    // An option whose value is yes or no means the shared yes/no answers unless it says otherwise.
    const means =
      meansNode === undefined
        ? value === 'yes' || value === 'no'
          ? value
          : undefined
        : str(meansNode);
    if (meansNode !== undefined && (!means || answers[means] === undefined)) {
      error(
        meansNode,
        `${where} option ${label}: means must name an answer set (${Object.keys(answers).join(', ')})`,
      );
    }
    const meant = means ? (answers[means] ?? []) : [];
    out.push({
      label,
      value,
      ...(next ? { next } : {}),
      ...(then ? { then } : {}),
      ...(says.length > 0 ? { says } : {}),
      ...(meant.length > 0 ? { answers: [...meant] } : {}),
    });
  }
  return out;
}

/** A dialog's `answers:` additions: set name -> phrases. */
function answerSets(node: unknown, where: string, error: ErrorAt): AnswerSets {
  if (node === undefined) return {};
  if (!isMap(node)) {
    error(node, `${where}: answers must map a name (yes, no, skip, filler...) to phrases`);
    return {};
  }
  const sets: Record<string, string[]> = {};
  for (const pair of node.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!ID_PATTERN.test(name)) {
      error(pair.key, `${where}: answer set name "${name}" must be lower_snake_case`);
      continue;
    }
    sets[name] = phraseList(pair.value, `${where}: answers.${name}`, error);
  }
  return sets;
}

function phraseList(node: unknown, what: string, error: ErrorAt): string[] {
  const entries = isSeq(node) ? node.items : [node];
  const out: string[] = [];
  for (const e of entries) {
    const s = str(e);
    if (!s || !s.trim()) error(e, `${what}: empty or non-text phrase`);
    else out.push(s.trim());
  }
  return out;
}

function quickReplies(node: unknown, where: string, error: ErrorAt): QuickReplyDef[] {
  if (node === undefined) return [];
  if (!isSeq(node)) {
    error(node, `${where}: quickReplies must be a list of { label, intent } or { label, value }`);
    return [];
  }
  const out: QuickReplyDef[] = [];
  for (const q of node.items) {
    if (!isMap(q)) {
      error(q, `${where}: each quick reply needs "label" and "intent" or "value"`);
      continue;
    }
    checkKeys(q, ['label', 'intent', 'value'], `${where} quick reply`, error);
    const label = str(q.get('label', true));
    const intent = str(q.get('intent', true));
    const value = str(q.get('value', true));
    if (!label || (!intent && !value))
      error(q, `${where}: each quick reply needs "label" and "intent" or "value"`);
    else out.push({ label, value: intent ? INTENT_CHOICE_PREFIX + intent : (value as string) });
  }
  return out;
}

function texts(node: unknown, what: string, error: ErrorAt, required: boolean): string[] {
  if (node === undefined) {
    if (required) error(null, `${what} missing`);
    return [];
  }
  const entries = isSeq(node) ? node.items : [node];
  const out: string[] = [];
  for (const e of entries) {
    const s = str(e);
    if (!s || !s.trim()) error(e, `${what}: empty or non-text entry`);
    else out.push(s.trim());
  }
  if (required && out.length === 0 && entries.length === 0)
    error(node, `${what}: needs at least one text`);
  return out;
}

function checkKeys(map: YAMLMap, allowed: string[], where: string, error: ErrorAt): void {
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!allowed.includes(key))
      error(pair.key, `${where}: unknown key "${key}" (allowed: ${allowed.join(', ')})`);
  }
}

function str(node: unknown): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  if (typeof node.value === 'object') return undefined;
  return String(node.value);
}

// ---- cross references -------------------------------------------------------------------------

export interface DialogLintOptions {
  /** Checks {firm.KEY} placeholders against the settings when given. */
  firm?: FirmSettings;
  /** Dialogs the bot cannot run without (fallback, human_handoff...). */
  requiredDialogs?: readonly string[];
}

/**
 * Checks what a single file cannot: references to intents, nodes and other dialogs, nodes that
 * can never be reached, placeholders. `intentIds` are the intents defined in intents/.
 */
export function lintDialogs(
  dialogs: DialogSet,
  intentIds: Iterable<string>,
  options: DialogLintOptions = {},
): ContentIssue[] {
  const intents = new Set(intentIds);
  const issues: ContentIssue[] = [];
  for (const dialog of dialogs.values()) {
    const at = (
      line: number,
      message: string,
      extra: Pick<ContentIssue, 'subject' | 'suggestion' | 'code'> & {
        severity?: 'error' | 'warning';
      } = {},
    ): void => {
      const { severity = 'error', ...rest } = extra;
      issues.push({
        file: dialog.source.file,
        line,
        message: `dialog ${dialog.id}: ${message}`,
        severity,
        ...rest,
      });
    };
    const nodeIds = Object.keys(dialog.nodes);
    const nodeExists = (id: string): boolean => dialog.nodes[id] !== undefined;
    const unknownIntent = (id: string) => ({
      subject: id,
      ...didYouMean(id, intents),
      code: 'dangling_reference' as const,
    });
    // Slots the dialog's own questions fill; others may come with the start or an effect's result,
    // so only a name close to a known one is reported (a slip like {slot.phnoe}).
    const slots = new Set(
      Object.values(dialog.nodes).flatMap((n) =>
        (n.kind === 'ask' || n.kind === 'choice') && n.slot ? [n.slot, `${n.slot}_label`] : [],
      ),
    );
    const slotSlip = (node: DialogNode, name: string): void => {
      const near = slots.has(name) ? undefined : closestName(name, slots);
      if (near)
        at(node.line, `node ${node.id}: no question of this dialog fills slot "${name}"`, {
          subject: name,
          suggestion: `did you mean ${near}?`,
        });
    };
    for (const node of Object.values(dialog.nodes)) {
      for (const target of nodeTargets(node)) {
        if (!nodeExists(target))
          at(node.line, `node ${node.id} points to unknown node "${target}"`, {
            subject: target,
            ...didYouMean(target, nodeIds),
          });
      }
      if (node.kind === 'answer' && !intents.has(node.intent)) {
        at(
          node.line,
          `node ${node.id} answers unknown intent "${node.intent}"`,
          unknownIntent(node.intent),
        );
      }
      if (node.kind === 'branch') {
        for (const c of node.cases) {
          if (c.when.intent && !intents.has(c.when.intent)) {
            at(
              node.line,
              `node ${node.id} branches on unknown intent "${c.when.intent}"`,
              unknownIntent(c.when.intent),
            );
          }
          if (c.when.slot) slotSlip(node, c.when.slot);
        }
      }
      if (node.kind === 'say') {
        for (const q of node.quickReplies) {
          const target = q.value.startsWith(INTENT_CHOICE_PREFIX)
            ? q.value.slice(INTENT_CHOICE_PREFIX.length)
            : null;
          if (target !== null && !intents.has(target)) {
            at(
              node.line,
              `node ${node.id}: quick reply "${q.label}" points to unknown intent "${target}"`,
              unknownIntent(target),
            );
          }
        }
      }
      if (node.kind === 'end' && node.then && !dialogs.has(node.then)) {
        at(node.line, `node ${node.id} continues with unknown dialog "${node.then}"`, {
          subject: node.then,
          ...didYouMean(node.then, dialogs.keys()),
          code: 'dangling_reference',
        });
      }
      if (node.kind === 'ask' || node.kind === 'choice') {
        // A form question that does not end with one reads as a statement: customers wait.
        const asked = [
          ...node.prompt,
          ...node.reask,
          ...(node.kind === 'ask' ? node.reprompt : []),
        ].filter((t) => !readsAsQuestion(t));
        for (const text of asked) {
          const tail = [...(text.trim().split('\n').at(-1) ?? '')].slice(-24).join('');
          at(node.line, `node ${node.id}: "…${tail}" should end with a question (？)`, {
            severity: 'warning',
          });
        }
      }
      for (const text of nodeTexts(node)) {
        for (const p of slotPlaceholdersIn(text)) {
          if (p.filter && !(TEMPLATE_FILTERS as readonly string[]).includes(p.filter)) {
            at(
              node.line,
              `node ${node.id}: unknown filter "|${p.filter}" (known: ${TEMPLATE_FILTERS.join(', ')})`,
              { subject: `|${p.filter}`, ...didYouMean(p.filter, TEMPLATE_FILTERS) },
            );
          }
          slotSlip(node, p.slot);
        }
        if (options.firm) {
          for (const key of placeholdersIn(text)) {
            if (!(key in options.firm))
              at(node.line, `node ${node.id}: {firm.${key}} is not a setting in config/firm.yaml`, {
                subject: `{firm.${key}}`,
                ...didYouMean(key, Object.keys(options.firm), (k) => `{firm.${k}}`),
              });
          }
        }
      }
    }
    const reachable = new Set<string>();
    const queue = [dialog.start];
    while (queue.length > 0) {
      const id = queue.pop() as string;
      const node = dialog.nodes[id];
      if (!node || reachable.has(id)) continue;
      reachable.add(id);
      queue.push(...nodeTargets(node));
    }
    // A mistyped target is the one mistake: the nodes it meant to lead to are not also reported.
    const danglingTarget = Object.values(dialog.nodes).some((n) =>
      nodeTargets(n).some((t) => !nodeExists(t)),
    );
    for (const node of Object.values(dialog.nodes)) {
      if (!danglingTarget && !reachable.has(node.id))
        at(node.line, `node ${node.id} can never be reached from start "${dialog.start}"`);
    }
  }
  for (const id of options.requiredDialogs ?? []) {
    if (!dialogs.has(id))
      issues.push({
        file: 'dialogs',
        line: 0,
        message: `required dialog ${id} is missing`,
        severity: 'error',
      });
  }
  return issues;
}

function nodeTargets(node: DialogNode): string[] {
  switch (node.kind) {
    case 'say':
    case 'answer':
    case 'suggest':
      return node.next ? [node.next] : [];
    case 'ask':
      return [node.next, node.onFail, ...node.options.flatMap(optionTargets)];
    case 'choice':
      return [
        ...(node.next ? [node.next] : []),
        node.onFail,
        ...node.options.flatMap(optionTargets),
      ];
    case 'branch':
      return [...node.cases.map((c) => c.next), node.default];
    case 'effect':
      return [node.next, node.onError];
    case 'handoff':
    case 'end':
      return [];
  }
}

function optionTargets(option: ChoiceOption): string[] {
  return [...(option.next ? [option.next] : []), ...(option.then ? [option.then] : [])];
}

function nodeTexts(node: DialogNode): string[] {
  switch (node.kind) {
    case 'say':
    case 'suggest':
    case 'handoff':
    case 'end':
      return node.text;
    case 'ask':
    case 'choice':
      return [...node.prompt, ...node.reprompt, ...node.reask];
    default:
      return [];
  }
}
