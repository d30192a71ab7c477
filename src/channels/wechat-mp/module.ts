// Plugs the WeChat Official Account / WeCom webhook into the app from environment settings.
import type { ChannelModule } from '../../app.ts';
import type { Env } from '../../config.ts';
import { registerWechatMpChannel } from './adapter.ts';

export function wechatMpModule(env: Env): ChannelModule {
  const token = env.WECHAT_TOKEN?.trim() ?? '';
  const appId = env.WECHAT_APP_ID?.trim() ?? '';
  const aesKey = env.WECHAT_ENCODING_AES_KEY?.trim();
  if (aesKey && aesKey.length !== 43)
    throw new Error('WECHAT_ENCODING_AES_KEY must be 43 characters');
  return {
    channel: 'wechat-mp',
    register: (server, context) =>
      registerWechatMpChannel(server, {
        gateway: context.gateway,
        clock: context.clock,
        options: {
          token,
          appId,
          ...(env.WECHAT_APP_SECRET?.trim() ? { appSecret: env.WECHAT_APP_SECRET.trim() } : {}),
          ...(aesKey ? { encodingAESKey: aesKey } : {}),
          ...(env.WECHAT_API_BASE_URL?.trim()
            ? { apiBaseUrl: env.WECHAT_API_BASE_URL.trim() }
            : {}),
          guard: context.guard,
        },
      }),
  };
}
