// Generated personal numbers (test/support/pii-generators.ts) typed by a web customer with no hint
// word around them, followed out of the conversation: the Slack transcript an agent reads, the
// admin API and CSV staff read, and the service's logs. Each must show the masking convention
// exactly (so a number recognised as the wrong kind shows up), never the digits in clear.
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { createMemoryStores } from '../../src/store/index.ts';
import {
  bankCard,
  fundAccount,
  generatorSeed,
  hongKongOrMacauPhone,
  idNumber,
  inSentence,
  landlineNumber,
  mobileNumber,
  oldIdNumber,
  seededRandom,
  taiwanPhone,
  type PiiSample,
} from '../support/pii-generators.ts';
import { admin, MovableClock, startDeskInstance, type DeskInstance } from '../tickets/harness.ts';
import {
  appConfig,
  buildHarness,
  eventually,
  say,
  sharedContent,
  SLACK_CHANNEL,
  webConversation,
  type Harness,
} from './harness.ts';

const SEED = generatorSeed();

/** One of each kind a customer may type, the newest mobile blocks (19x, 16x, 17x) first. */
function customerNumbers(seed: number): { sample: PiiSample; text: string; masked: string }[] {
  const random = seededRandom(seed);
  const samples = [
    mobileNumber(random, { prefix: random.pick(['190', '191', '193', '195', '198', '199']) }),
    mobileNumber(random, { prefix: random.pick(['162', '165', '166', '167']), layout: 'plain' }),
    mobileNumber(random, { prefix: random.pick(['170', '171', '173', '177']), countryCode: true }),
    landlineNumber(random, { extension: true }),
    hongKongOrMacauPhone(random, 'hk'),
    taiwanPhone(random),
    idNumber(random, { check: 'wrong' }),
    idNumber(random, { checkX: true }),
    oldIdNumber(random),
    bankCard(random, { luhn: false }),
    bankCard(random, { luhn: true, layout: 'spaced' }),
    fundAccount(random),
  ];
  return samples.map((sample) => ({ sample, ...inSentence(random, sample) }));
}

function expectOnlyMasked(sent: string, typed: ReturnType<typeof customerNumbers>): void {
  for (const { sample, masked } of typed) {
    const why = `${sample.label} (GENERATOR_SEED=${SEED})`;
    expect(sent, why).toContain(masked);
    expect(sent.replace(/[^0-9Xx]/g, ''), why).not.toContain(sample.digits);
    expect(sent, why).not.toContain(sample.text);
  }
}

describe('a web customer typing personal numbers, handed to a Slack agent', () => {
  let h: Harness;
  // Building the whole app with the Slack desk takes seconds; more on a loaded CI machine.
  beforeAll(async () => {
    h = await buildHarness({ slack: true });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('reaches the agent with every number masked to the convention in the transcript', async () => {
    const slack = h.slack!;
    const typed = customerNumbers(SEED);
    const publicId = 'pii-generated-1';
    for (const { text } of typed) await say(h, publicId, text);
    await say(h, publicId, '转人工');
    const conversationId = webConversation(h, publicId);
    const header = await eventually(() => {
      const found = slack.messages.find(
        (m) =>
          m.channel === SLACK_CHANNEL &&
          !m.thread_ts &&
          JSON.stringify(m.blocks).includes(`"${conversationId}"`),
      );
      if (!found) throw new Error(`no Slack thread for ${conversationId}`);
      return found;
    });
    const transcript = await eventually(() => {
      const file = slack.files.find((f) => f.thread_ts === header.ts);
      if (!file) throw new Error('no transcript file in the thread');
      return file.content;
    });
    expectOnlyMasked(transcript, typed);
    // Nothing else the app sent to Slack (messages, blocks, uploads) carries a number in clear.
    const everything = JSON.stringify(slack.calls) + JSON.stringify(slack.files);
    for (const { sample } of typed) {
      expect(everything.replace(/[^0-9Xx]/g, ''), sample.label).not.toContain(sample.digits);
    }
  });
});

describe('a complaint with personal numbers, read by staff through the admin API', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function ticketWith(typed: ReturnType<typeof customerNumbers>) {
    const clock = new MovableClock();
    const stores = createMemoryStores({ clock: clock.now });
    const instance: DeskInstance = await startDeskInstance({ slack: null, stores, clock });
    cleanups.push(() => instance.close());
    const ticket = await stores.tickets.create(
      {
        kind: 'complaint',
        conversationId: 'web:pii-generated-ticket',
        channel: 'web',
        createdAt: clock.now().toISOString(),
        complainant: { name: '李四' },
        description: typed.map((t) => t.text).join('\n'),
        desiredOutcome: typed[0]!.text,
      },
      'bot',
    );
    return { instance, id: ticket.id };
  }

  it('shows the description masked to the convention in the ticket JSON', async () => {
    const typed = customerNumbers(SEED + 1);
    const { instance, id } = await ticketWith(typed);
    const got = await admin(instance, `/api/admin/tickets/${id}`);
    expect(got.status).toBe(200);
    expectOnlyMasked(JSON.stringify(await got.json()), typed);
  });

  it('exports the description masked to the convention in the CSV archive', async () => {
    const typed = customerNumbers(SEED + 2);
    const { instance } = await ticketWith(typed);
    const csv = await admin(instance, '/api/admin/tickets.csv?from=2000-01-01&to=2099-12-31');
    expect(csv.status).toBe(200);
    expectOnlyMasked(await csv.text(), typed);
  });
});

describe('the service logs of a conversation with personal numbers', () => {
  const lines: string[] = [];
  let app: App;
  let url = '';
  beforeAll(async () => {
    const { content, dialogs, nlu } = sharedContent();
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    app = await createApp(appConfig(content), {
      content,
      dialogs,
      nlu,
      stores: createMemoryStores(),
      logger: { level: 'debug', stream } as never,
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('never carry one of the numbers in clear', async () => {
    const typed = customerNumbers(SEED + 3);
    let conversationId: string | undefined;
    for (const { text } of typed) {
      const res = await fetch(`${url}/api/web/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(conversationId ? { conversationId, text } : { text }),
      });
      expect(res.status).toBe(200);
      conversationId = ((await res.json()) as { conversationId: string }).conversationId;
    }
    expect(lines.length).toBeGreaterThan(typed.length);
    const written = lines.join('\n').replace(/[^0-9Xx\n]/g, '');
    for (const { sample } of typed) expect(written, sample.label).not.toContain(sample.digits);
  });
});
