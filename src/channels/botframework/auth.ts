// How the bot proves itself to Bot Framework and checks that requests come from it: botbuilder's
// own JWT validation (OpenID metadata + signing keys) and Azure AD client credentials through MSAL,
// configured from our options. Endpoints are overridable for private clouds and local fakes.
import { ConfidentialClientApplication } from '@azure/msal-node';
import {
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
} from 'botbuilder';

export type BotFrameworkAppType = 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';

/** The Bot Framework cloud the bot talks to. Defaults are the public Azure cloud. */
export interface BotFrameworkEndpoints {
  /** Azure AD authority the outbound token comes from (ToChannelFromBotLoginUrl). */
  loginUrl: string;
  /** Audience of the outbound token (ToChannelFromBotOAuthScope). */
  oAuthScope: string;
  /** `iss` of channel tokens (ToBotFromChannelTokenIssuer). */
  channelTokenIssuer: string;
  /** OpenID metadata listing the channel's signing keys (ToBotFromChannelOpenIdMetadataUrl). */
  channelOpenIdMetadataUrl: string;
  /** OpenID metadata for Emulator / Azure AD v1-v2 tokens (ToBotFromEmulatorOpenIdMetadataUrl). */
  emulatorOpenIdMetadataUrl: string;
  /** Token service for user sign-in cards (OAuthUrl); unused by this bot but required together. */
  oAuthUrl: string;
  /** callerId stamped on authenticated activities. */
  callerId: string;
}

// botbuilder's public-cloud constants (AuthenticationConstants), repeated here because setting any
// one endpoint makes botbuilder treat the whole set as given.
export const PUBLIC_CLOUD_ENDPOINTS: BotFrameworkEndpoints = {
  loginUrl: 'https://login.microsoftonline.com/botframework.com',
  oAuthScope: 'https://api.botframework.com',
  channelTokenIssuer: 'https://api.botframework.com',
  channelOpenIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
  emulatorOpenIdMetadataUrl:
    'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
  oAuthUrl: 'https://api.botframework.com',
  callerId: 'urn:botframework:azure',
};

export interface BotFrameworkAuthOptions {
  /** The bot's Microsoft App ID. Empty = authentication off (local Emulator only). */
  appId: string;
  /** Client secret; not used for UserAssignedMSI. */
  appPassword?: string;
  appType: BotFrameworkAppType;
  /** Required for SingleTenant and UserAssignedMSI. */
  tenantId?: string;
  /** Overrides of the cloud endpoints; unset fields keep the public-cloud values. */
  endpoints?: Partial<BotFrameworkEndpoints>;
}

type Credentials = Awaited<
  ReturnType<ConfigurationServiceClientCredentialFactory['createCredentials']>
>;
type SignableRequest = Parameters<Credentials['signRequest']>[0];

const PUBLIC_LOGIN_PREFIX = 'https://login.microsoftonline.com/';

/**
 * Outbound tokens for a bot with a client secret, from Azure AD through MSAL: botbuilder's own
 * credential rules (app id check, auth off without an app id, managed identity), but an authority
 * outside the public cloud is trusted as configured. botbuilder's MSAL client asks
 * login.microsoftonline.com to vouch for any other authority, which an air-gapped private cloud
 * (or a local stand-in) cannot answer, so no token could ever be had there.
 */
class AzureAdCredentialFactory extends ConfigurationServiceClientCredentialFactory {
  private readonly clients = new Map<string, ConfidentialClientApplication>();

  constructor(
    private readonly config: {
      MicrosoftAppId: string;
      MicrosoftAppPassword: string;
      MicrosoftAppType: BotFrameworkAppType;
      MicrosoftAppTenantId: string;
    },
  ) {
    super(config);
  }

  override async createCredentials(
    appId: string,
    audience: string,
    loginEndpoint: string,
    validateAuthority: boolean,
  ): Promise<Credentials> {
    if (
      this.config.MicrosoftAppType === 'UserAssignedMSI' ||
      (await this.isAuthenticationDisabled())
    ) {
      return super.createCredentials(appId, audience, loginEndpoint, validateAuthority);
    }
    if (!(await this.isValidAppId(appId))) throw new Error('Invalid appId.');
    const client = this.clientFor(loginEndpoint);
    const scope = `${(audience || PUBLIC_CLOUD_ENDPOINTS.oAuthScope).replace(/\/\.default$/, '')}/.default`;
    return {
      async signRequest(webResource: SignableRequest): Promise<SignableRequest> {
        // MSAL keeps the token in its cache and fetches a new one shortly before it expires.
        const result = await client.acquireTokenByClientCredential({ scopes: [scope] });
        if (!result?.accessToken) throw new Error('botframework: Azure AD returned no token');
        webResource.headers.set('authorization', `Bearer ${result.accessToken}`);
        return webResource;
      },
    };
  }

  private clientFor(loginEndpoint: string): ConfidentialClientApplication {
    const endpoint = (loginEndpoint || PUBLIC_CLOUD_ENDPOINTS.loginUrl).replace(/\/+$/, '');
    // As botbuilder does: on the public cloud the token comes from the bot's tenant (botframework.com
    // for a multi-tenant bot); elsewhere from the login URL exactly as configured.
    const isPublic = endpoint.toLowerCase().startsWith(PUBLIC_LOGIN_PREFIX);
    const authority = isPublic
      ? `${PUBLIC_LOGIN_PREFIX}${this.config.MicrosoftAppTenantId || 'botframework.com'}`
      : endpoint;
    let client = this.clients.get(authority);
    if (!client) {
      client = new ConfidentialClientApplication({
        auth: {
          clientId: this.config.MicrosoftAppId,
          clientSecret: this.config.MicrosoftAppPassword,
          authority,
          knownAuthorities: isPublic ? [] : [new URL(authority).host],
        },
      });
      this.clients.set(authority, client);
    }
    return client;
  }
}

/** Checks the options the way a misconfigured deployment should hear about them: at start-up. */
export function checkAuthOptions(options: BotFrameworkAuthOptions): void {
  const appId = options.appId.trim();
  const password = options.appPassword?.trim() ?? '';
  const tenant = options.tenantId?.trim() ?? '';
  if (appId === '') {
    if (password !== '')
      throw new RangeError('botframework: appPassword is set but appId is empty');
    return;
  }
  switch (options.appType) {
    case 'MultiTenant':
      if (password === '') throw new RangeError('botframework: MultiTenant needs appPassword');
      break;
    case 'SingleTenant':
      if (password === '' || tenant === '') {
        throw new RangeError('botframework: SingleTenant needs appPassword and tenantId');
      }
      break;
    case 'UserAssignedMSI':
      if (tenant === '') throw new RangeError('botframework: UserAssignedMSI needs tenantId');
      if (password !== '') {
        throw new RangeError('botframework: UserAssignedMSI must not have an appPassword');
      }
      break;
    default:
      throw new RangeError(`botframework: unknown appType ${String(options.appType)}`);
  }
}

export function createBotFrameworkAuthentication(
  options: BotFrameworkAuthOptions,
): ConfigurationBotFrameworkAuthentication {
  checkAuthOptions(options);
  const endpoints = { ...PUBLIC_CLOUD_ENDPOINTS, ...options.endpoints };
  const credentialConfig = {
    MicrosoftAppId: options.appId.trim(),
    MicrosoftAppPassword: options.appPassword?.trim() ?? '',
    MicrosoftAppType: options.appType,
    MicrosoftAppTenantId: options.tenantId?.trim() ?? '',
  };
  const credentials = new AzureAdCredentialFactory(credentialConfig);
  return new ConfigurationBotFrameworkAuthentication(
    {
      MicrosoftAppId: credentialConfig.MicrosoftAppId,
      MicrosoftAppTenantId: credentialConfig.MicrosoftAppTenantId,
      // A single-tenant bot's token still comes from its tenant: botbuilder swaps the tenant in.
      ToChannelFromBotLoginUrl: endpoints.loginUrl,
      ToChannelFromBotOAuthScope: endpoints.oAuthScope,
      ToBotFromChannelTokenIssuer: endpoints.channelTokenIssuer,
      ToBotFromChannelOpenIdMetadataUrl: endpoints.channelOpenIdMetadataUrl,
      ToBotFromEmulatorOpenIdMetadataUrl: endpoints.emulatorOpenIdMetadataUrl,
      OAuthUrl: endpoints.oAuthUrl,
      CallerId: endpoints.callerId,
      ValidateAuthority: true,
    },
    credentials,
  );
}
