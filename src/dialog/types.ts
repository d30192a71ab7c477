// The dialog schema (what dialogs/*.yaml become after loading) and the interpreter's saved
// position. Everything here is plain data; the saved position is JSON so any store can hold it.
import type { EntityType, NluResult } from '../nlu/types.ts';
import type { HandoffReason } from '../handoff/types.ts';
import type { OutboundMessage, QuickReply } from '../core/message.ts';
import type { FirmSettings, IntentDefinition, StandardQuestion } from '../content/types.ts';
import type { Board } from '../nlu/entities/stock.ts';

export const DIALOG_STATE_VERSION = 1;

export const SLOT_TYPES = [
  'text',
  'name',
  'phone',
  'account',
  'datetime',
  'choice',
  'yes_no',
  'amount',
  'stock_code',
] as const;
export type SlotType = (typeof SLOT_TYPES)[number];

export const HANDOFF_REASONS: readonly HandoffReason[] = [
  'customer_request',
  'callback_request',
  'complaint',
  'fallback_exhausted',
  'advice_followup',
  'other',
];

export const EFFECT_KINDS = [
  'create_ticket',
  'record_survey',
  'leave_message',
  'record_ticket_feedback',
] as const;
export type EffectKind = (typeof EFFECT_KINDS)[number];

/** A test on the conversation; every key given must hold. */
export interface Condition {
  /** Slot name to test; with no equals/in/matches it tests that the slot is filled. */
  slot?: string;
  equals?: string;
  in?: string[];
  /** Regular expression on the slot value (with slot) or on the customer's message (without). */
  matches?: string;
  /** The intent of the message that is being handled. */
  intent?: string;
  /** The message contains an entity of this type. */
  entity?: EntityType;
  /** The message names a stock (code or name) listed on this board: star, chinext, bse, hk, main. */
  board?: Board;
}

export interface ChoiceOption {
  label: string;
  /** Stored in the slot and returned by the quick reply; defaults to the label. */
  value: string;
  /** Where to go when picked; defaults to the node's `next`. */
  next?: string;
  /** After the next slot is filled, come back here (used by "修改" menus). */
  then?: string;
  /** Other ways customers say this option; also found inside a longer message (手续费收多了). */
  says?: string[];
  /** The shared answer set the option means (`means: yes`): only a whole reply counts. */
  answers?: string[];
}

/** A quick reply on a say node: either a plain value or an intent to ask. */
export interface QuickReplyDef {
  label: string;
  value: string;
}

interface NodeBase {
  id: string;
  /** Line of the node in its file, for errors. */
  line: number;
}

export interface SayNode extends NodeBase {
  kind: 'say';
  text: string[];
  quickReplies: QuickReplyDef[];
  riskDisclosure: boolean;
  next?: string;
}

export interface AskNode extends NodeBase {
  kind: 'ask';
  slot: string;
  type: SlotType;
  prompt: string[];
  reprompt: string[];
  /** Shorter words for asking again after the prompt was said (side question, refusal). */
  reask: string[];
  options: ChoiceOption[];
  /** The customer may skip it (跳过); the slot is then left empty. */
  optional: boolean;
  maxRetries: number;
  onFail: string;
  next: string;
  /** What the slot is called to the customer and to agents (联系电话); defaults to the slot name. */
  label?: string;
  /** Filled from the message that started the dialog when it already says it; then not asked. */
  prefill?: boolean;
  /** Phrases that skip an optional question, or decline a required one (`skip` answers). */
  skipWords?: string[];
  /** Phrases that never answer a free-text question (the dialog's `filler` answers). */
  notAnswers?: string[];
  /** A free-text question that collects the customer's question (留言): questions are answers. */
  acceptsQuestions?: boolean;
}

export interface ChoiceNode extends NodeBase {
  kind: 'choice';
  slot?: string;
  prompt: string[];
  reprompt: string[];
  /** Shorter words for asking again after the prompt was said (side question, refusal). */
  reask: string[];
  options: ChoiceOption[];
  maxRetries: number;
  onFail: string;
  next?: string;
  /** Picked from the message that started the dialog when it clearly names an option. */
  prefill?: boolean;
  /** What the slot is called to the customer and to agents (投诉类别). */
  label?: string;
}

export interface BranchNode extends NodeBase {
  kind: 'branch';
  cases: { when: Condition; next: string }[];
  default: string;
}

export interface AnswerNode extends NodeBase {
  kind: 'answer';
  intent: string;
  next?: string;
}

export interface SuggestNode extends NodeBase {
  kind: 'suggest';
  text: string[];
  max: number;
  next?: string;
}

export interface HandoffNode extends NodeBase {
  kind: 'handoff';
  reason: HandoffReason;
  text: string[];
}

export interface EffectNode extends NodeBase {
  kind: 'effect';
  effect: EffectKind;
  next: string;
  onError: string;
  /** create_ticket only: the form could not finish; the ticket is marked incomplete. */
  incomplete?: boolean;
}

export interface EndNode extends NodeBase {
  kind: 'end';
  text: string[];
  /** Dialog to start right after this one ends (e.g. the satisfaction survey). */
  then?: string;
}

export type DialogNode =
  | SayNode
  | AskNode
  | ChoiceNode
  | BranchNode
  | AnswerNode
  | SuggestNode
  | HandoffNode
  | EffectNode
  | EndNode;

export type WaitingNode = AskNode | ChoiceNode;

export interface DialogDefinition {
  id: string;
  title: string;
  start: string;
  /** Said when the customer leaves the dialog with 取消/算了: what was discarded. */
  onCancel: string[];
  /** What a confident other question does mid-dialog: answer and come back, or drop the dialog. */
  interrupt: 'resume' | 'abandon';
  nodes: Record<string, DialogNode>;
  source: { file: string; line: number };
}

export type DialogSet = ReadonlyMap<string, DialogDefinition>;

/** One dialog's place in the conversation. */
export interface DialogFrame {
  dialogId: string;
  nodeId: string;
  slots: Record<string, string>;
  retries: number;
  /** Node to go back to after the next slot is filled (edit from a summary). */
  resumeTo: string | null;
  /** How often the current question was asked again in other words (picks the next wording). */
  reasked?: number;
  /** The current question's reprompt was said (a further wrong answer gets other words). */
  reprompted?: boolean;
  /** The customer asked to leave with answers given: waiting for them to confirm. */
  confirmCancel?: boolean;
  /** The customer's message that started this dialog. */
  opening?: string;
}

/** The interpreter's saved position: plain JSON, stored as ConversationState.dialog. */
export interface DialogState {
  v: typeof DIALOG_STATE_VERSION;
  /** The dialog being run, or null when the bot waits for any question. */
  frame: DialogFrame | null;
  /** Dialogs interrupted by another question, innermost last. */
  stack: DialogFrame[];
  /** 'input' when the frame waits at an ask/choice node, 'effect' at an effect node. */
  awaiting: 'input' | 'effect' | null;
  /** Consecutive turns the classifier was unsure (0-3). */
  fallbackLevel: number;
  /** Quick replies of the last message, so a typed number or label picks one. */
  offered: QuickReply[];
  /** Turn counter; picks answer variants without randomness. */
  turn: number;
  /** The complaint ticket created in this conversation, if any. */
  ticketId: string | null;
  surveyOffered: boolean;
  /** The customer asked something beyond small talk (worth a survey). */
  engaged: boolean;
}

export type DialogInput =
  | {
      kind: 'message';
      text: string;
      /** Value of a tapped quick reply, if the customer tapped one. */
      choice: string | null;
      nlu: NluResult;
      /** ISO time of the message, for relative dates (昨天下午3点). */
      now: string;
    }
  | {
      kind: 'start';
      dialogId: string;
      now: string;
      /** Slots the dialog starts with. */
      slots?: Record<string, string>;
      /** The customer's message that led here, for `prefill` questions. */
      text?: string;
    }
  | { kind: 'effect_result'; ok: boolean; data: Record<string, string> };

/** A form answer handed on when the form itself could not finish (for agents and tickets). */
export interface CollectedField {
  slot: string;
  label: string;
  value: string;
}

export type DialogEffect =
  | {
      kind: 'create_ticket';
      dialogId: string;
      slots: Record<string, string>;
      /** The form gave up: the ticket holds what was collected and is marked incomplete. */
      incomplete?: true;
      /** Labels of the questions the customer did not answer (incomplete tickets). */
      missing?: string[];
    }
  | { kind: 'record_survey'; score: number; comment: string | null; ticketId: string | null }
  | {
      kind: 'handoff';
      reason: HandoffReason;
      ticketId: string | null;
      /** Said with the desk's answer, in one message (the desk decides and says the rest). */
      preface?: string;
      /** What an unfinished form had collected, for the agent. */
      collected?: { title: string; fields: CollectedField[] };
    }
  | {
      kind: 'leave_message';
      /** question, phone, name: the message for the call-back. */
      slots: Record<string, string>;
      ticketId: string | null;
    }
  /** The customer's verdict on a ticket's result (slots `rating`, `comment`). */
  | {
      kind: 'record_ticket_feedback';
      slots: Record<string, string>;
      ticketId: string | null;
    };

/** One message the bot says, with what the transcript and compliance need to know about it. */
export interface BotOutput {
  message: OutboundMessage;
  /** `dialogId/nodeId` that produced it, or null for a plain answer. */
  node: string | null;
  /** The intent answered, for plain and answer-node replies. */
  intent: string | null;
  /** The standard question answered, when the reply is a knowledge-base answer. */
  question?: string;
  /** Append the firm's risk disclosure before sending. */
  riskDisclosure: boolean;
}

export interface StepResult {
  state: DialogState;
  outputs: BotOutput[];
  effects: DialogEffect[];
  /** The last effect must be executed and its result fed back with an effect_result input. */
  awaitingEffect: boolean;
}

/** Routing rules around the dialogs (thresholds, the dialogs for fallback/human/survey...). */
export interface ConversationPolicy {
  /** Minimum confidence to act on an intent when the bot is idle. */
  confidentAt: number;
  /** Minimum confidence to treat a mid-form message as another question. */
  interruptAt: number;
  fallbackDialog: string;
  humanDialog: string;
  surveyDialog: string;
  /** After answering these, offer the satisfaction survey once. */
  surveyAfterIntents: string[];
  /** Intents that are small talk: they never interrupt a form nor count as engagement. */
  smallTalkIntents: string[];
  /** Offered by the fallback ladder when the classifier has no alternatives worth showing. */
  popularIntents: string[];
  humanIntent: string;
  /** The intent that starts a complaint; only explicit complaint words may lead to it. */
  complaintIntent: string;
  /** Where "the answer did not help" goes when the question names no next step. */
  unresolvedDialog: string;
  /** Started when the desk offers to leave a message (after hours, nobody free, desk down). */
  leaveMessageDialog: string;
  /**
   * The standard question answering when human agents are on duty (周一几点开始有人), weekends and
   * holidays included (周六周日有人不).
   */
  agentHoursQuestion: string;
  /** The standard question giving the hotline (能不能直接打电话给你们). */
  hotlineQuestion: string;
}

export interface DialogEnvironment {
  dialogs: DialogSet;
  intents: ReadonlyMap<string, IntentDefinition>;
  /** The knowledge base's standard questions by id. */
  questions: ReadonlyMap<string, StandardQuestion>;
  firm: FirmSettings;
  policy: ConversationPolicy;
}
