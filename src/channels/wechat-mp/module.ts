// Plugs the WeChat webhooks into the app: an Official Account on /wechat/mp and/or a WeCom
// self-built app on /wechat/work. Both are the 'wechat-mp' channel; one outlet routes agent replies
// by conversation id (`wechat-mp:<openid>` or `wecom:<UserID>`).
import type { ChannelModule } from '../../app.ts';
import type { Env } from '../../config.ts';
import type { ChannelOutlet, DeliveryTarget } from '../../core/gateway.ts';
import type { OutboundMessage } from '../../core/message.ts';
import {
  registerWechatMpChannel,
  registerWecomChannel,
  WECOM_CONVERSATION_PREFIX,
  type WechatMpOptions,
  type WecomOptions,
} from './adapter.ts';

/** Options without the guard: the app supplies it. */
export interface WechatWebhookSettings {
  officialAccount?: Omit<WechatMpOptions, 'guard'>;
  wecom?: Omit<WecomOptions, 'guard'>;
}

export function wechatWebhookModule(settings: WechatWebhookSettings): ChannelModule {
  const { officialAccount, wecom } = settings;
  if (!officialAccount && !wecom) {
    throw new Error('the WeChat channel needs an Official Account or a WeCom app');
  }
  return {
    channel: 'wechat-mp',
    register(server, context) {
      const deps = { gateway: context.gateway, clock: context.clock, logger: context.logger };
      const mp = officialAccount
        ? registerWechatMpChannel(server, {
            ...deps,
            options: { ...officialAccount, guard: context.guard },
          })
        : null;
      const work = wecom
        ? registerWecomChannel(server, { ...deps, options: { ...wecom, guard: context.guard } })
        : null;
      return routedOutlet(mp, work);
    },
  };
}

function routedOutlet(mp: ChannelOutlet | null, wecom: ChannelOutlet | null): ChannelOutlet {
  return {
    channel: 'wechat-mp',
    async deliver(target: DeliveryTarget, messages: OutboundMessage[]): Promise<void> {
      const isWecom = target.conversationId.startsWith(WECOM_CONVERSATION_PREFIX);
      const outlet = isWecom ? wecom : mp;
      if (!outlet) {
        throw new Error(
          `wechat-mp: ${isWecom ? 'WeCom' : 'the Official Account'} is not configured; cannot deliver to ${target.conversationId}`,
        );
      }
      await outlet.deliver(target, messages);
    },
  };
}

function aesKeyFrom(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  if (value && value.length !== 43) throw new Error(`${name} must be 43 characters`);
  return value || undefined;
}

/** WECHAT_* configure the Official Account, WECOM_* the WeCom app; either or both may be set. */
export function wechatSettingsFromEnv(env: Env): WechatWebhookSettings {
  const settings: WechatWebhookSettings = {};
  const token = env.WECHAT_TOKEN?.trim() ?? '';
  const appId = env.WECHAT_APP_ID?.trim() ?? '';
  // Like main.ts: the Official Account is on when both WECHAT_TOKEN and WECHAT_APP_ID are set.
  if (token && appId) {
    const aesKey = aesKeyFrom(env, 'WECHAT_ENCODING_AES_KEY');
    const appSecret = env.WECHAT_APP_SECRET?.trim();
    const apiBaseUrl = env.WECHAT_API_BASE_URL?.trim();
    settings.officialAccount = {
      token,
      appId,
      ...(appSecret ? { appSecret } : {}),
      ...(aesKey ? { encodingAESKey: aesKey } : {}),
      ...(apiBaseUrl ? { apiBaseUrl } : {}),
    };
  }
  const corpId = env.WECOM_CORP_ID?.trim() ?? '';
  if (corpId) {
    const wecomToken = env.WECOM_TOKEN?.trim() ?? '';
    const aesKey = aesKeyFrom(env, 'WECOM_ENCODING_AES_KEY');
    const agentText = env.WECOM_AGENT_ID?.trim() ?? '';
    const agentId = Number(agentText);
    if (!wecomToken || !aesKey) {
      throw new Error('WeCom needs WECOM_TOKEN and WECOM_ENCODING_AES_KEY besides WECOM_CORP_ID');
    }
    if (!/^\d+$/.test(agentText) || agentId <= 0) {
      throw new Error(`WECOM_AGENT_ID must be the app's numeric AgentId, got "${agentText}"`);
    }
    const secret = env.WECOM_SECRET?.trim();
    const apiBaseUrl = env.WECOM_API_BASE_URL?.trim();
    settings.wecom = {
      token: wecomToken,
      encodingAESKey: aesKey,
      corpId,
      agentId,
      ...(secret ? { secret } : {}),
      ...(apiBaseUrl ? { apiBaseUrl } : {}),
    };
  }
  return settings;
}

export function wechatMpModule(env: Env): ChannelModule {
  return wechatWebhookModule(wechatSettingsFromEnv(env));
}
