// Apps for the complaint-desk tests: the shipped content and dialogs, the Slack desk against the
// fake Slack with ticket cards on, a movable clock for the ticket time limits, and the stores of
// the caller's choice, so two apps on one Redis (or one set of memory stores) are two instances.
import type { AddressInfo } from 'node:net';
import { expect, vi } from 'vitest';
import { createApp, type App, type ChannelModule } from '../../src/app.ts';
import type { LoadedContent } from '../../src/content/load.ts';
import { createSlackDesk } from '../../src/desks/slack/slack-desk.ts';
import { parseServiceHours } from '../../src/handoff/service-hours.ts';
import type { Stores } from '../../src/store/index.ts';
import type { ComplaintTicket } from '../../src/store/types.ts';
import { appConfig, sharedContent, ADMIN_TOKEN } from '../app/harness.ts';
import {
  buttonClick,
  postToApp,
  signedInteraction,
  viewSubmission,
  type FakeSlack,
  type FakeSlackMessage,
} from '../support/fake-slack.ts';

export const SLACK_SECRET = 'ticket-desk-signing-secret';
export const SLACK_TOKEN = 'xoxb-ticket-desk';
export const HANDOFF_CHANNEL = 'C_HANDOFF';
export const COMPLAINTS_CHANNEL = 'C0COMPLAINTS';
export const FEES_CHANNEL = 'C0FEES';
export const IT_CHANNEL = 'C0IT';
export const SUPERVISOR_CHANNEL = 'C0SUPERVISOR';
export const REVEAL_TOKEN = 'reveal-token-for-tests-9876543210';
export { ADMIN_TOKEN };

export const ZHANG = { id: 'U_ZHANG', name: 'zhangsan' };
export const LI = { id: 'U_LI', name: 'lisi' };

/** A clock the test moves; starts Monday 2026-11-23 10:00 in Shanghai. */
export class MovableClock {
  private at: number;
  constructor(iso = '2026-11-23T02:00:00.000Z') {
    this.at = Date.parse(iso);
  }
  now = (): Date => new Date(this.at);
  set(iso: string): void {
    this.at = Date.parse(iso);
  }
  advance(ms: number): void {
    this.at += ms;
  }
}

/** The shipped firm settings plus this test's calendar and department channels. */
export function firmWith(extra: Record<string, string>): LoadedContent {
  const { content } = sharedContent();
  return { ...content, firm: { ...content.firm, ...extra } };
}

export interface DeskInstance {
  app: App;
  url: string;
  slackUrl: string;
  close(): Promise<void>;
}

export async function startDeskInstance(options: {
  slack: FakeSlack | null;
  stores: Stores;
  clock: MovableClock;
  content?: LoadedContent;
  channels?: ChannelModule[];
  instanceId?: string;
  /** Agent service hours of the handoff (default: always open). */
  serviceHours?: string;
}): Promise<DeskInstance> {
  const shared = sharedContent();
  const content = options.content ?? firmWith({ [`departmentChannel.运营管理部`]: FEES_CHANNEL });
  const base = appConfig(content);
  const config = {
    ...base,
    ...(options.serviceHours
      ? { handoff: { ...base.handoff, serviceHours: parseServiceHours(options.serviceHours) } }
      : {}),
    instanceId: options.instanceId ?? 'desk-test',
    adminRevealToken: REVEAL_TOKEN,
    tickets: {
      complaintsChannelId: COMPLAINTS_CHANNEL,
      supervisorChannelId: SUPERVISOR_CHANNEL,
      sweepEveryMs: 0,
    },
  };
  const slack = options.slack;
  const app = await createApp(config, {
    content,
    dialogs: shared.dialogs,
    nlu: shared.nlu,
    stores: options.stores,
    clock: options.clock.now,
    channels: options.channels ?? [],
    ...(slack
      ? {
          desk: {
            create: (actions, ticketActions) =>
              createSlackDesk(
                {
                  botToken: SLACK_TOKEN,
                  signingSecret: SLACK_SECRET,
                  channelId: HANDOFF_CHANNEL,
                  apiUrl: slack.apiUrl,
                  log: () => {},
                },
                actions,
                ticketActions,
              ),
          },
        }
      : {}),
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.server.address() as AddressInfo).port;
  return {
    app,
    url,
    slackUrl: `http://127.0.0.1:${port}/slack/events`,
    close: () => app.close(),
  };
}

/** The card message of a ticket in a channel (the top-level message that names its id). */
export function cardOf(
  slack: FakeSlack,
  channel: string,
  ticketId: string,
): FakeSlackMessage | undefined {
  return slack
    .channelMessages(channel)
    .find((m) => m.text.includes(ticketId) && JSON.stringify(m.blocks ?? []).includes('ticket_'));
}

export async function waitForCard(
  slack: FakeSlack,
  channel: string,
  ticketId: string,
): Promise<FakeSlackMessage> {
  return vi.waitFor(
    () => {
      const card = cardOf(slack, channel, ticketId);
      expect(card, `card of ${ticketId} in ${channel}`).toBeDefined();
      return card!;
    },
    { timeout: 5000 },
  );
}

export function cardJson(message: FakeSlackMessage): string {
  return JSON.stringify(message.blocks ?? []);
}

/** Presses a card button as `user`, signed as Slack signs it. */
export async function press(
  instance: DeskInstance,
  card: FakeSlackMessage,
  actionId: string,
  ticketId: string,
  user = ZHANG,
): Promise<void> {
  const res = await postToApp(
    instance.slackUrl,
    signedInteraction(
      buttonClick({ actionId, value: ticketId, user, channel: card.channel, messageTs: card.ts }),
      { signingSecret: SLACK_SECRET },
    ),
  );
  expect(res.status).toBe(200);
}

/** Opens a form with its button, fills it in and submits; returns Slack's answer to the submit. */
export async function submitForm(
  instance: DeskInstance,
  slack: FakeSlack,
  card: FakeSlackMessage,
  actionId: string,
  ticketId: string,
  values: Record<string, string | null>,
  user = ZHANG,
): Promise<{ status: number; body: string }> {
  const before = slack.views.length;
  await press(instance, card, actionId, ticketId, user);
  const view = await vi.waitFor(
    () => {
      expect(slack.views.length).toBeGreaterThan(before);
      return slack.views.at(-1)!;
    },
    { timeout: 5000 },
  );
  return postToApp(
    instance.slackUrl,
    signedInteraction(viewSubmission({ view, user, values }), { signingSecret: SLACK_SECRET }),
  );
}

export async function onlyTicket(stores: Stores): Promise<ComplaintTicket> {
  const tickets = await stores.tickets.list();
  expect(tickets).toHaveLength(1);
  return tickets[0]!;
}

export async function admin(
  instance: DeskInstance,
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
): Promise<Response> {
  return fetch(`${instance.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${init.token ?? ADMIN_TOKEN}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
}
