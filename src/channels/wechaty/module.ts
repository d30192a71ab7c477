// Plugs a wechaty bot (WECHATY_PUPPET selects the puppet package) into the app.
import type { ChannelModule } from '../../app.ts';
import type { Env } from '../../config.ts';
import type { Wechaty } from 'wechaty';
import { buildWechaty, createWechatyChannel, type WechatyChannel } from './adapter.ts';

export async function wechatyModule(env: Env): Promise<ChannelModule> {
  const puppet = env.WECHATY_PUPPET?.trim() ?? '';
  const token = env.WECHATY_PUPPET_SERVICE_TOKEN?.trim();
  const wechaty = buildWechaty(puppet, {
    name: env.WECHATY_NAME?.trim() || 'csbot',
    ...(token ? { puppetOptions: { token } } : {}),
  });
  return wechatyChannelModule(wechaty);
}

/** The channel module around a built wechaty bot (the app's puppet, or a mock in tests). */
export function wechatyChannelModule(wechaty: Wechaty): ChannelModule {
  let channel: WechatyChannel | null = null;
  return {
    channel: 'wechaty',
    register(_server, context) {
      channel = createWechatyChannel({
        gateway: context.gateway,
        wechaty,
        guard: context.guard,
        clock: context.clock,
        logger: context.logger,
      });
      return channel;
    },
    start: async () => channel?.start(),
    stop: async () => channel?.stop(),
  };
}
