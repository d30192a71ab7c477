// Plugs the Bot Framework channel into the app from environment settings. MICROSOFT_APP_ID set but
// empty runs without authentication, for the local Bot Framework Emulator only.
import type { ChannelModule } from '../../app.ts';
import type { Env } from '../../config.ts';
import { registerBotFrameworkChannel, type BotFrameworkOptions } from './adapter.ts';
import { checkAuthOptions, type BotFrameworkAppType, type BotFrameworkEndpoints } from './auth.ts';

const APP_TYPES: Record<string, BotFrameworkAppType> = {
  multitenant: 'MultiTenant',
  singletenant: 'SingleTenant',
  userassignedmsi: 'UserAssignedMSI',
};

function appTypeFrom(value: string | undefined): BotFrameworkAppType {
  const raw = value?.trim() ?? '';
  if (raw === '') return 'MultiTenant';
  const appType = APP_TYPES[raw.toLowerCase()];
  if (!appType) {
    throw new Error(
      `MICROSOFT_APP_TYPE must be MultiTenant, SingleTenant or UserAssignedMSI, not "${raw}"`,
    );
  }
  return appType;
}

/** Private-cloud endpoints (rare); unset ones keep the public Azure cloud. */
function endpointsFrom(env: Env): Partial<BotFrameworkEndpoints> {
  const endpoints: Partial<BotFrameworkEndpoints> = {};
  const pairs: [keyof BotFrameworkEndpoints, string][] = [
    ['loginUrl', 'BOTFRAMEWORK_LOGIN_URL'],
    ['oAuthScope', 'BOTFRAMEWORK_OAUTH_SCOPE'],
    ['channelTokenIssuer', 'BOTFRAMEWORK_TOKEN_ISSUER'],
    ['channelOpenIdMetadataUrl', 'BOTFRAMEWORK_OPENID_METADATA_URL'],
  ];
  for (const [key, name] of pairs) {
    const value = env[name]?.trim();
    if (value) endpoints[key] = value;
  }
  return endpoints;
}

export function botFrameworkModule(env: Env): ChannelModule {
  const appPassword = env.MICROSOFT_APP_PASSWORD?.trim();
  const tenantId = env.MICROSOFT_APP_TENANT_ID?.trim();
  const options = {
    appId: env.MICROSOFT_APP_ID?.trim() ?? '',
    appType: appTypeFrom(env.MICROSOFT_APP_TYPE),
    ...(appPassword ? { appPassword } : {}),
    ...(tenantId ? { tenantId } : {}),
    endpoints: endpointsFrom(env),
  };
  checkAuthOptions(options);
  return botFrameworkChannelModule(options);
}

/** The channel module for these options; the app supplies the gateway, clock, logger and guard. */
export function botFrameworkChannelModule(
  options: Omit<BotFrameworkOptions, 'guard'>,
): ChannelModule {
  return {
    channel: 'botframework',
    register: (server, context) =>
      registerBotFrameworkChannel(server, {
        gateway: context.gateway,
        clock: context.clock,
        logger: context.logger,
        options: { ...options, guard: context.guard },
      }),
  };
}
