// The Bot Framework side of the channel, locally on 127.0.0.1: the channel's OpenID metadata and
// signing keys (JWKS with endorsements), an Azure AD client-credentials token endpoint, and the
// connector REST API (/v3/conversations/...) that records what the bot sends and demands the
// token it issued. Channel tokens are RS256 JWTs signed here with a key generated per run; the
// signing is written with node:crypto, independently of botbuilder.
import { createSign, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const CHANNEL_ISSUER = 'https://api.botframework.com';
export const BOT_FRAMEWORK_SCOPE = 'https://api.botframework.com';

export interface RecordedActivity {
  conversationId: string;
  /** Set when the bot used "reply to activity" (POST .../activities/{replyToId}). */
  replyToId: string | null;
  activity: Record<string, unknown>;
  authorization: string;
}

export interface ChannelTokenClaims {
  serviceUrl: string;
  /** The bot's app id; default the one the fake was started with. */
  audience?: string;
  issuer?: string;
  /** Seconds from now; negative for an expired token. Default 3600. */
  expiresInSec?: number;
}

export interface FakeBotFrameworkConnector {
  /** e.g. http://127.0.0.1:41234/ — put it in activity.serviceUrl. */
  serviceUrl: string;
  /** Where botbuilder reads the channel's signing keys. */
  openIdMetadataUrl: string;
  /** The Azure AD authority (ToChannelFromBotLoginUrl); tokens at {loginUrl}/oauth2/v2.0/token. */
  loginUrl: string;
  /** Activities the connector accepted, in order. */
  activities: RecordedActivity[];
  /** Every connector call, accepted or not. */
  attempts: { path: string; status: number }[];
  tokenRequests: number;
  /** A channel token signed with the fake channel's key, as Bot Framework sends it. */
  signChannelToken(claims: ChannelTokenClaims): string;
  /** The same token shape signed with a key the channel never published under the same kid. */
  forgeChannelToken(claims: ChannelTokenClaims): string;
  waitForActivities(count: number, timeoutMs?: number): Promise<RecordedActivity[]>;
  close(): Promise<void>;
}

export interface FakeConnectorOptions {
  appId: string;
  appPassword: string;
  /** Channels the signing key is endorsed for (Bot Framework lists them per key). */
  endorsements?: string[];
  /** Accept connector calls without a token, as the Emulator does for bots without an app id. */
  allowAnonymous?: boolean;
}

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

function signJwt(header: object, payload: object, key: KeyObject): string {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(key);
  return `${signingInput}.${base64url(signature)}`;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

export async function startFakeBotFrameworkConnector(
  options: FakeConnectorOptions,
): Promise<FakeBotFrameworkConnector> {
  const kid = `fake-key-${randomBytes(4).toString('hex')}`;
  const channelKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forgerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = channelKey.publicKey.export({ format: 'jwk' });
  const endorsements = options.endorsements ?? ['msteams', 'webchat', 'directline', 'emulator'];
  const issuedTokens = new Set<string>();
  let activitySerial = 0;
  const waiters: { count: number; resolve: () => void }[] = [];

  const fake: FakeBotFrameworkConnector = {
    serviceUrl: '',
    openIdMetadataUrl: '',
    loginUrl: '',
    activities: [],
    attempts: [],
    tokenRequests: 0,
    signChannelToken: (claims) => channelToken(claims, channelKey.privateKey),
    forgeChannelToken: (claims) => channelToken(claims, forgerKey.privateKey),
    waitForActivities(count, timeoutMs = 5000) {
      if (fake.activities.length >= count) return Promise.resolve(fake.activities);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`fake connector: ${fake.activities.length}/${count} after ${timeoutMs} ms`),
            ),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(fake.activities);
          },
        });
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  function channelToken(claims: ChannelTokenClaims, key: KeyObject): string {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(
      { alg: 'RS256', typ: 'JWT', kid },
      {
        iss: claims.issuer ?? CHANNEL_ISSUER,
        aud: claims.audience ?? options.appId,
        serviceurl: claims.serviceUrl,
        nbf: now - 60,
        iat: now - 60,
        exp: now + (claims.expiresInSec ?? 3600),
      },
      key,
    );
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', fake.serviceUrl);
    const path = url.pathname;

    if (request.method === 'GET' && path === '/v1/.well-known/openidconfiguration') {
      return sendJson(response, 200, {
        issuer: CHANNEL_ISSUER,
        authorization_endpoint: `${fake.serviceUrl}v1/authorize`,
        jwks_uri: `${fake.serviceUrl}v1/.well-known/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      });
    }
    if (request.method === 'GET' && path === '/v1/.well-known/keys') {
      return sendJson(response, 200, {
        keys: [{ kty: 'RSA', use: 'sig', kid, n: jwk.n, e: jwk.e, endorsements }],
      });
    }

    // Azure AD v2 client-credentials grant, as the bot's credentials call it.
    if (request.method === 'POST' && path === '/botframework.com/oauth2/v2.0/token') {
      fake.tokenRequests += 1;
      const form = new URLSearchParams(await readBody(request));
      if (form.get('grant_type') !== 'client_credentials') {
        return sendJson(response, 400, { error: 'unsupported_grant_type' });
      }
      if (
        form.get('client_id') !== options.appId ||
        form.get('client_secret') !== options.appPassword
      ) {
        return sendJson(response, 401, {
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided.',
        });
      }
      if (form.get('scope') !== `${BOT_FRAMEWORK_SCOPE}/.default`) {
        return sendJson(response, 400, { error: 'invalid_scope' });
      }
      const accessToken = `fake-aad-${randomBytes(16).toString('hex')}`;
      issuedTokens.add(accessToken);
      return sendJson(response, 200, {
        token_type: 'Bearer',
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: accessToken,
      });
    }

    const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(path);
    if (request.method === 'POST' && match?.[1]) {
      const authorization = request.headers.authorization ?? '';
      const token = authorization.startsWith('Bearer ') ? authorization.slice(7) : '';
      if (!issuedTokens.has(token) && !(options.allowAnonymous && authorization === '')) {
        fake.attempts.push({ path, status: 401 });
        return sendJson(response, 401, {
          error: {
            code: 'Unauthorized',
            message: 'Authorization has been denied for this request.',
          },
        });
      }
      let activity: unknown;
      try {
        activity = JSON.parse(await readBody(request));
      } catch {
        fake.attempts.push({ path, status: 400 });
        return sendJson(response, 400, { error: { code: 'BadArgument', message: 'invalid JSON' } });
      }
      if (typeof activity !== 'object' || activity === null || Array.isArray(activity)) {
        fake.attempts.push({ path, status: 400 });
        return sendJson(response, 400, {
          error: { code: 'BadArgument', message: 'not an activity' },
        });
      }
      fake.attempts.push({ path, status: 200 });
      fake.activities.push({
        conversationId: decodeURIComponent(match[1]),
        replyToId: match[2] ? decodeURIComponent(match[2]) : null,
        activity: activity as Record<string, unknown>,
        authorization,
      });
      for (const waiter of [...waiters]) {
        if (fake.activities.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      activitySerial += 1;
      return sendJson(response, 200, { id: `fake-activity-${activitySerial}` });
    }

    sendJson(response, 404, { error: { code: 'NotFound', message: `${request.method} ${path}` } });
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      sendJson(response, 500, { error: { code: 'Internal', message: String(error) } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.serviceUrl = `http://127.0.0.1:${port}/`;
  fake.openIdMetadataUrl = `${fake.serviceUrl}v1/.well-known/openidconfiguration`;
  fake.loginUrl = `http://127.0.0.1:${port}/botframework.com`;
  return fake;
}

/**
 * The bot's side of the client-credentials grant against `loginUrl` (what MSAL does against
 * Azure AD), with the token cached until shortly before it expires.
 */
export function clientCredentialsTokenProvider(appId: string, appPassword: string) {
  const cache = new Map<string, { token: string; expiresAt: number }>();
  return async (request: {
    appId: string;
    audience: string;
    loginUrl: string;
  }): Promise<string> => {
    const key = `${request.loginUrl} ${request.audience}`;
    const cached = cache.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.token;
    const response = await fetch(`${request.loginUrl}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: appId,
        client_secret: appPassword,
        scope: `${request.audience}/.default`,
      }),
    });
    const body = (await response.json()) as { access_token?: string; expires_in?: number };
    if (!response.ok || !body.access_token) {
      throw new Error(`token endpoint answered ${response.status}`);
    }
    cache.set(key, {
      token: body.access_token,
      expiresAt: Date.now() + ((body.expires_in ?? 0) - 300) * 1000,
    });
    return body.access_token;
  };
}
