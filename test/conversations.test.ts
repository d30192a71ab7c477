// Conversation tests as data: every case in test/conversations/*.yaml is played through the real
// pipeline (classifier trained from intents/, shipped dialogs, memory stores, a fake agent desk).
// Format: docs/dialog-format.md, section "Conversation tests".
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadContent, type LoadedContent } from '../src/content/load.ts';
import { buildNluEngine, type NluEngine } from '../src/nlu/engine.ts';
import { loadDialogs } from '../src/dialog/loader.ts';
import { createMemoryStores, type Stores } from '../src/store/index.ts';
import { createConversationGateway } from '../src/core/pipeline.ts';
import type { InboundContent, OutboundMessage, QuickReply } from '../src/core/message.ts';
import type { ComplaintTicket } from '../src/store/types.ts';
import { createFakeHandoff, createMemoryLogger, fixedClock } from './core/fakes.ts';
import { FakeDesk, RecordingOutlet } from './handoff/harness.ts';
import { MemoryHandoffBus } from '../src/handoff/bus.ts';
import { createHandoffService, DEFAULT_HANDOFF_SETTINGS } from '../src/handoff/handoff-service.ts';
import { MemoryHandoffQueue } from '../src/handoff/queue.ts';
import { parseServiceHours } from '../src/handoff/service-hours.ts';
import type { HandoffRequest, HandoffService } from '../src/handoff/types.ts';

const ROOT = join(import.meta.dirname, '..');
const CASES_DIR = join(import.meta.dirname, 'conversations');

interface Expectation {
  contains?: string | string[];
  notContains?: string | string[];
  matches?: string | string[];
  intent?: string;
  quickReplies?: string[];
  /** true: a ticket was created this turn; a mapping: and it has these fields. */
  ticket?: boolean | Record<string, unknown>;
  handoff?: boolean | string;
  survey?: number;
  /** The bot says nothing (a message relayed to a human agent). */
  silent?: boolean;
  /** With a real desk: what the agents' thread shows (header fields and posts, joined). */
  thread?: { contains?: string | string[]; notContains?: string | string[] };
}

interface TurnSpec {
  say?: string;
  tap?: string;
  media?: string;
  event?: 'conversation_start';
  agentCloses?: boolean;
  /** Moves the clock (Beijing time, e.g. "2026-11-23T17:05:00+08:00") before the turn. */
  at?: string;
  /** With a real desk: its periodic queue check runs; what it tells the customer is the reply. */
  deskCheck?: boolean;
  expect?: Expectation;
}

/**
 * The agent desk of a case. Without it a fake desk queues everyone; with it the real handoff
 * service runs against a recording desk, service hours Mon-Fri 09:00-17:00 Asia/Shanghai:
 * open (Monday 10:00), after_hours (Monday 20:00), unreachable (the desk fails to open threads),
 * busy (two customers already waiting).
 */
type DeskMode = 'open' | 'after_hours' | 'unreachable' | 'busy';

interface CaseSpec {
  name: string;
  desk?: DeskMode;
  turns: TurnSpec[];
}

interface CaseDesk {
  service: HandoffService & {
    checkQueue?(): Promise<void>;
    surveyCompleted?(conversationId: string, score: number, comment?: string): Promise<unknown>;
  };
  started: HandoffRequest[];
  desk: FakeDesk | null;
  outlet: RecordingOutlet | null;
  bind(gateway: Parameters<ReturnType<typeof createHandoffService>['bindControl']>[0]): void;
}

function caseDesk(
  mode: DeskMode | undefined,
  stores: Stores,
  clock: ReturnType<typeof fixedClock>,
): CaseDesk {
  if (mode === undefined) {
    const fake = createFakeHandoff(stores.tickets);
    return { service: fake, started: fake.started, desk: null, outlet: null, bind() {} };
  }
  if (mode === 'after_hours') clock.set('2026-11-23T12:00:00.000Z');
  const desk = new FakeDesk();
  desk.failOpen = mode === 'unreachable';
  const outlet = new RecordingOutlet('test');
  const queue = new MemoryHandoffQueue();
  const real = createHandoffService({
    desk,
    queue,
    bus: new MemoryHandoffBus(() => {}),
    states: stores.states,
    transcripts: stores.transcripts,
    tickets: stores.tickets,
    outlets: (channel) => (channel === 'test' ? outlet : undefined),
    settings: {
      ...DEFAULT_HANDOFF_SETTINGS,
      serviceHours: parseServiceHours('Mon-Fri 09:00-17:00 Asia/Shanghai'),
      reinformEveryMs: 24 * 3600_000,
      broadcastChannels: [],
      firm: {
        hotline: content.firm.hotline ?? '',
        agentServiceHours: content.firm.agentServiceHours ?? '',
      },
    },
    clock: clock.now,
    log: () => {},
  });
  const started: HandoffRequest[] = [];
  if (mode === 'busy') {
    void queue.enqueue('test:someone-else-1', clock.now().getTime() - 60_000);
    void queue.enqueue('test:someone-else-2', clock.now().getTime() - 30_000);
  }
  const service: CaseDesk['service'] = {
    start: async (request) => {
      started.push(request);
      return real.start(request);
    },
    relayCustomerMessage: (...args) => real.relayCustomerMessage(...args),
    cancel: (...args) => real.cancel(...args),
    leaveMessage: (...args) => real.leaveMessage(...args),
    surveyCompleted: (...args) => real.surveyCompleted(...args),
    checkQueue: () => real.checkQueue(),
  };
  return { service, started, desk, outlet, bind: (gateway) => real.bindControl(gateway) };
}

function loadCases(): { file: string; cases: CaseSpec[] }[] {
  return readdirSync(CASES_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((file) => {
      const doc = parse(readFileSync(join(CASES_DIR, file), 'utf8')) as { cases?: CaseSpec[] };
      if (!Array.isArray(doc?.cases))
        throw new Error(`${file}: expected a top-level "cases:" list`);
      return { file, cases: doc.cases };
    });
}

const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

let content: LoadedContent;
let nlu: NluEngine;
let dialogs: ReturnType<typeof loadDialogs>['dialogs'];

beforeAll(() => {
  content = loadContent({ rootDir: ROOT });
  nlu = buildNluEngine(content);
  const loaded = loadDialogs(join(ROOT, 'dialogs'), ROOT);
  expect(loaded.issues).toEqual([]);
  dialogs = loaded.dialogs;
}, 180_000);

const files = loadCases();

it('ships at least 30 conversation cases', () => {
  expect(files.reduce((n, f) => n + f.cases.length, 0)).toBeGreaterThanOrEqual(30);
});

for (const { file, cases } of files) {
  describe(file, () => {
    for (const spec of cases) {
      it(spec.name, async () => {
        const clock = fixedClock();
        const stores: Stores = createMemoryStores({ clock: clock.now });
        const desk = caseDesk(spec.desk, stores, clock);
        const handoff = { started: desk.started };
        const logger = createMemoryLogger();
        const gateway = createConversationGateway({
          nlu,
          content,
          dialogs,
          stores,
          handoff: desk.service,
          clock: clock.now,
          logger,
        });
        desk.bind(gateway);
        const conversationId = `test:${spec.name}`;
        let menu: QuickReply[] = [];
        for (const [index, turn] of spec.turns.entries()) {
          const where = `${file} / ${spec.name} / turn ${index + 1} (${turn.say ?? turn.tap ?? turn.media ?? turn.event ?? (turn.deskCheck ? 'desk check' : 'agent closes')})`;
          if (turn.at !== undefined) clock.set(new Date(turn.at).toISOString());
          const ticketsBefore = (await stores.tickets.list()).length;
          const handoffsBefore = handoff.started.length;
          let replies: OutboundMessage[];
          if (turn.deskCheck) {
            expect(desk.outlet, `${where}: deskCheck needs a case "desk"`).not.toBeNull();
            const before = desk.outlet?.delivered.length ?? 0;
            await desk.service.checkQueue?.();
            replies = (desk.outlet?.delivered.slice(before) ?? []).flatMap((d) => d.messages);
          } else if (turn.agentCloses) {
            await stores.states.load(conversationId);
            replies = await gateway.resumeAfterHandoff(conversationId);
          } else {
            let content: InboundContent;
            if (turn.tap !== undefined) {
              const reply = menu.find((q) => q.label === String(turn.tap));
              expect(
                reply,
                `${where}: no quick reply "${turn.tap}" in ${JSON.stringify(menu)}`,
              ).toBeDefined();
              content = { kind: 'choice', value: reply?.value ?? '', label: turn.tap };
            } else if (turn.media !== undefined)
              content = { kind: 'media', media: turn.media as 'image' };
            else if (turn.event) content = { kind: 'event', event: turn.event };
            else content = { kind: 'text', text: String(turn.say ?? '') };
            replies = await gateway.handleInbound({
              channel: 'test',
              conversationId,
              userId: 'customer-1',
              receivedAt: clock.now().toISOString(),
              content,
            });
          }
          const text = replies.map((r) => r.text).join('\n');
          const shown = replies.flatMap((r) => (r.type === 'choices' ? r.quickReplies : []));
          // Every button of the reply stays usable until the customer answers; the last first.
          menu = [...replies]
            .reverse()
            .flatMap((r) => (r.type === 'choices' ? r.quickReplies : []));
          const e = turn.expect ?? {};
          expect(
            logger.lines.filter((l) => l.level === 'error'),
            `${where}: errors logged`,
          ).toEqual([]);
          if (e.silent) expect(replies, `${where}: the bot should stay silent`).toEqual([]);
          else expect(replies.length, `${where}: the bot said nothing`).toBeGreaterThan(0);
          for (const s of list(e.contains))
            expect(text, `${where}: reply should contain "${s}"`).toContain(s);
          for (const s of list(e.notContains))
            expect(text, `${where}: reply must not contain "${s}"`).not.toContain(s);
          for (const r of list(e.matches))
            expect(text, `${where}: reply should match /${r}/`).toMatch(new RegExp(r, 'u'));
          for (const label of e.quickReplies ?? []) {
            expect(
              shown.map((q) => q.label),
              `${where}: quick replies`,
            ).toContain(label);
          }
          if (e.intent !== undefined) {
            const lines = await stores.transcripts.list(conversationId);
            const said = [...lines]
              .reverse()
              .find((l) => l.direction === 'customer' && l.kind === 'message');
            expect(said?.intent, `${where}: intent of the customer message`).toBe(e.intent);
          }
          const ticketsAfter = await stores.tickets.list();
          if (e.ticket !== undefined) {
            const created = ticketsAfter.length > ticketsBefore;
            expect(created, `${where}: ticket created`).toBe(e.ticket !== false);
            if (typeof e.ticket === 'object') {
              const ticket = ticketsAfter.at(-1) as ComplaintTicket;
              expect(ticket, `${where}: ticket fields`).toMatchObject(e.ticket);
            }
          } else {
            expect(ticketsAfter.length, `${where}: unexpected ticket`).toBe(ticketsBefore);
          }
          if (e.handoff !== undefined) {
            expect(handoff.started.length > handoffsBefore, `${where}: handoff started`).toBe(
              e.handoff !== false,
            );
            if (typeof e.handoff === 'string')
              expect(handoff.started.at(-1)?.reason).toBe(e.handoff);
          } else {
            expect(handoff.started.length, `${where}: unexpected handoff`).toBe(handoffsBefore);
          }
          if (e.thread !== undefined) {
            const thread = desk.desk?.threads.at(-1);
            expect(thread, `${where}: no desk thread was opened`).toBeDefined();
            const shown = JSON.stringify([thread?.opening.header, thread?.posts, thread?.ended]);
            for (const s of list(e.thread.contains))
              expect(shown, `${where}: the thread should show "${s}"`).toContain(s);
            for (const s of list(e.thread.notContains))
              expect(shown, `${where}: the thread must not show "${s}"`).not.toContain(s);
          }
          if (e.survey !== undefined) {
            const lines = await stores.transcripts.list(conversationId);
            const survey = lines.find((l) => l.kind === 'survey');
            expect(survey?.data?.score, `${where}: survey recorded`).toBe(e.survey);
          }
        }
      });
    }
  });
}
