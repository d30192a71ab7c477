// Handoff settings from environment variables, for main.ts (the only place that reads env).
import type { ChannelId } from '../core/message.ts';
import { DEFAULT_HANDOFF_SETTINGS, type HandoffSettings } from './handoff-service.ts';
import { parseServiceHours } from './service-hours.ts';

export const DEFAULT_SERVICE_HOURS = 'Mon-Fri 09:00-17:00 Asia/Shanghai';

const CHANNELS: readonly ChannelId[] = [
  'web',
  'wechat-mp',
  'wecom',
  'wechaty',
  'botframework',
  'cli',
  'test',
];

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`${name} must be a positive number, got "${value}"`);
  return n;
}

/**
 * HANDOFF_SERVICE_HOURS ("Mon-Fri 09:00-17:00 Asia/Shanghai" or "always"), HANDOFF_HOLIDAYS and
 * HANDOFF_EXTRA_WORKDAYS (comma-separated YYYY-MM-DD), HANDOFF_CLAIM_TIMEOUT_SECONDS (300),
 * HANDOFF_REINFORM_SECONDS (120), HANDOFF_SHOW_AGENT_NAMES (true/false),
 * HANDOFF_BROADCAST_CHANNELS (web,wechaty). Firm texts come from config/firm.yaml.
 */
export function handoffSettingsFromEnv(
  env: Record<string, string | undefined>,
  firm: { hotline: string; agentServiceHours: string },
): HandoffSettings {
  const broadcast = list(env.HANDOFF_BROADCAST_CHANNELS);
  for (const c of broadcast) {
    if (!CHANNELS.includes(c as ChannelId))
      throw new Error(`HANDOFF_BROADCAST_CHANNELS: unknown channel "${c}"`);
  }
  const show = (env.HANDOFF_SHOW_AGENT_NAMES ?? '').trim().toLowerCase();
  return {
    serviceHours: parseServiceHours(env.HANDOFF_SERVICE_HOURS?.trim() || DEFAULT_SERVICE_HOURS, {
      holidays: list(env.HANDOFF_HOLIDAYS),
      extraWorkdays: list(env.HANDOFF_EXTRA_WORKDAYS),
    }),
    claimTimeoutMs:
      positiveNumber(
        'HANDOFF_CLAIM_TIMEOUT_SECONDS',
        env.HANDOFF_CLAIM_TIMEOUT_SECONDS,
        DEFAULT_HANDOFF_SETTINGS.claimTimeoutMs / 1000,
      ) * 1000,
    reinformEveryMs:
      positiveNumber(
        'HANDOFF_REINFORM_SECONDS',
        env.HANDOFF_REINFORM_SECONDS,
        DEFAULT_HANDOFF_SETTINGS.reinformEveryMs / 1000,
      ) * 1000,
    showAgentNames: !['false', '0', 'no', 'off'].includes(show),
    broadcastChannels:
      broadcast.length > 0
        ? (broadcast as ChannelId[])
        : DEFAULT_HANDOFF_SETTINGS.broadcastChannels,
    firm: { hotline: firm.hotline, agentServiceHours: firm.agentServiceHours },
  };
}
