// Plugs the WeChat webhooks into the app: an Official Account on /wechat/mp (channel 'wechat-mp',
// conversations `wechat-mp:<openid>`) and/or a WeCom self-built app on /wechat/work (channel
// 'wecom', conversations `wecom:<UserID>`).
import type { ChannelContext, ChannelModule } from '../../app.ts';
import type { Env } from '../../config.ts';
import {
  registerWechatMpChannel,
  registerWecomChannel,
  type WechatMpOptions,
  type WecomOptions,
} from './adapter.ts';

/** Options without the guard: the app supplies it. */
export interface WechatWebhookSettings {
  officialAccount?: Omit<WechatMpOptions, 'guard'>;
  wecom?: Omit<WecomOptions, 'guard'>;
}

/**
 * One channel module per configured platform: the Official Account is the 'wechat-mp' channel,
 * the WeCom app the 'wecom' channel, so metrics, transcripts and the agent desk tell them apart.
 */
export function wechatWebhookModules(settings: WechatWebhookSettings): ChannelModule[] {
  const { officialAccount, wecom } = settings;
  if (!officialAccount && !wecom) {
    throw new Error('the WeChat channel needs an Official Account or a WeCom app');
  }
  // What both adapters take from the app: the gateway, clock and logger, and the edge guard.
  const deps = <T extends object>(context: ChannelContext, options: T) => ({
    gateway: context.gateway,
    clock: context.clock,
    logger: context.logger,
    receipts: context.receipts,
    options: { ...options, guard: context.guard },
  });
  const modules: ChannelModule[] = [];
  if (officialAccount) {
    modules.push({
      channel: 'wechat-mp',
      register: (server, context) =>
        registerWechatMpChannel(server, deps(context, officialAccount)),
    });
  }
  if (wecom) {
    modules.push({
      channel: 'wecom',
      register: (server, context) => registerWecomChannel(server, deps(context, wecom)),
    });
  }
  return modules;
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
    const plaintext = env.WECHAT_ALLOW_PLAINTEXT?.trim().toLowerCase() ?? '';
    if (!['', 'true', 'false'].includes(plaintext)) {
      throw new Error(`WECHAT_ALLOW_PLAINTEXT must be true or false, got "${plaintext}"`);
    }
    settings.officialAccount = {
      token,
      appId,
      ...(appSecret ? { appSecret } : {}),
      ...(aesKey ? { encodingAESKey: aesKey } : {}),
      ...(aesKey && plaintext === 'true' ? { allowPlaintext: true } : {}),
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

export function wechatModulesFromEnv(env: Env): ChannelModule[] {
  return wechatWebhookModules(wechatSettingsFromEnv(env));
}
