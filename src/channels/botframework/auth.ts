// How the bot proves itself to Bot Framework and checks that requests come from it: botbuilder's
// own JWT validation (OpenID metadata + signing keys) and Azure AD client credentials, configured
// from our options. Endpoints are overridable for private clouds and local fakes.
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

/** What an outbound token is requested for. */
export interface OutboundTokenRequest {
  appId: string;
  /** The resource (scope without "/.default"), e.g. https://api.botframework.com. */
  audience: string;
  /** The Azure AD authority from the endpoints. */
  loginUrl: string;
}

/**
 * Replaces botbuilder's Azure AD client (MSAL) for outbound tokens. MSAL only accepts https
 * authorities and asks login.microsoftonline.com to vouch for unknown ones, so a local fake
 * cannot stand in for it; tests pass a client-credentials call to the fake through this.
 */
export type OutboundTokenProvider = (request: OutboundTokenRequest) => Promise<string>;

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
  outboundToken?: OutboundTokenProvider;
}

type Credentials = Awaited<
  ReturnType<ConfigurationServiceClientCredentialFactory['createCredentials']>
>;
type SignableRequest = Parameters<Credentials['signRequest']>[0];

/** botbuilder's credential rules (app id check, auth-off when no id) with tokens from a provider. */
class ProvidedTokenCredentialFactory extends ConfigurationServiceClientCredentialFactory {
  constructor(
    config: ConstructorParameters<typeof ConfigurationServiceClientCredentialFactory>[0],
    private readonly provider: OutboundTokenProvider,
  ) {
    super(config);
  }

  override async createCredentials(
    appId: string,
    audience: string,
    loginEndpoint: string,
    validateAuthority: boolean,
  ): Promise<Credentials> {
    if (await this.isAuthenticationDisabled()) {
      return super.createCredentials(appId, audience, loginEndpoint, validateAuthority);
    }
    if (!(await this.isValidAppId(appId))) throw new Error('Invalid appId.');
    const request: OutboundTokenRequest = {
      appId,
      audience: audience || PUBLIC_CLOUD_ENDPOINTS.oAuthScope,
      loginUrl: loginEndpoint,
    };
    const provider = this.provider;
    return {
      async signRequest(webResource: SignableRequest): Promise<SignableRequest> {
        webResource.headers.set('authorization', `Bearer ${await provider(request)}`);
        return webResource;
      },
    };
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
  const credentials = options.outboundToken
    ? new ProvidedTokenCredentialFactory(credentialConfig, options.outboundToken)
    : new ConfigurationServiceClientCredentialFactory(credentialConfig);
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
