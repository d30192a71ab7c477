import { describe, expect, it } from 'vitest';
import { createSlackDesk, slackDeskOptionsFromEnv } from '../../src/desks/slack/slack-desk.ts';
import { lateAgentActions } from '../../src/handoff/handoff-service.ts';
import { handoffSettingsFromEnv } from '../../src/handoff/settings.ts';

describe('Slack desk settings', () => {
  it('is off without Slack variables and explains what is missing', () => {
    expect(slackDeskOptionsFromEnv({})).toBeNull();
    expect(() => slackDeskOptionsFromEnv({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(
      /SLACK_CHANNEL_ID/,
    );
    expect(() =>
      slackDeskOptionsFromEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_CHANNEL_ID: 'C1' }),
    ).toThrow(/SLACK_SIGNING_SECRET/);
  });

  it('reads HTTP and Socket Mode settings', () => {
    expect(
      slackDeskOptionsFromEnv({
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_CHANNEL_ID: 'C1',
        SLACK_SIGNING_SECRET: 's',
        SLACK_API_URL: 'http://127.0.0.1:9/api/',
      }),
    ).toEqual({
      botToken: 'xoxb-1',
      channelId: 'C1',
      signingSecret: 's',
      apiUrl: 'http://127.0.0.1:9/api/',
      socketMode: false,
    });
    expect(
      slackDeskOptionsFromEnv({
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_CHANNEL_ID: 'C1',
        SLACK_APP_TOKEN: 'xapp-1',
      }),
    ).toMatchObject({
      appToken: 'xapp-1',
      socketMode: true,
    });
  });

  it('builds a Socket Mode desk without mounting HTTP routes', () => {
    const logs: string[] = [];
    const desk = createSlackDesk(
      {
        botToken: 'xoxb-1',
        signingSecret: '',
        channelId: 'C1',
        appToken: 'xapp-1',
        socketMode: true,
        log: (m) => logs.push(m),
      },
      lateAgentActions(),
    );
    desk.registerRoutes({} as never);
    expect(logs[0]).toContain('Socket Mode');
  });

  it('reads handoff settings with defaults and rejects bad values', () => {
    const firm = { hotline: '95000', agentServiceHours: '交易日 9:00-17:00' };
    const s = handoffSettingsFromEnv({}, firm);
    expect(s.claimTimeoutMs).toBe(300_000);
    expect(s.showAgentNames).toBe(true);
    expect(s.serviceHours.spec).toBe('Mon-Fri 09:00-17:00 Asia/Shanghai');
    expect(
      handoffSettingsFromEnv(
        { HANDOFF_SHOW_AGENT_NAMES: 'false', HANDOFF_CLAIM_TIMEOUT_SECONDS: '60' },
        firm,
      ),
    ).toMatchObject({
      showAgentNames: false,
      claimTimeoutMs: 60_000,
    });
    expect(() => handoffSettingsFromEnv({ HANDOFF_CLAIM_TIMEOUT_SECONDS: 'soon' }, firm)).toThrow(
      /HANDOFF_CLAIM_TIMEOUT_SECONDS/,
    );
    expect(() => handoffSettingsFromEnv({ HANDOFF_BROADCAST_CHANNELS: 'fax' }, firm)).toThrow(
      /fax/,
    );
  });
});
