// The Bot Framework side of the channel, locally on 127.0.0.1: the channel's OpenID metadata and
// signing keys (JWKS with endorsements), an Azure AD authority over https (its OpenID metadata and
// client-credentials token endpoint, for the product's real MSAL client; the certificate comes
// from the global setup, see local-tls.ts), and the
// connector REST API (/v3/conversations/...) that records what the bot sends, demands the token it
// issued and refuses, as the real connector does, a body that is not JSON or an activity without
// type, sender or conversation (or for another conversation than the URL's), or an empty message.
// Channel tokens are RS256 JWTs signed here with a key generated per run; the signing is written
// with node:crypto, independently of botbuilder.
import { createSign, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { inject } from 'vitest';

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
  /** The Azure AD authority (ToChannelFromBotLoginUrl), https; MSAL reads its OpenID metadata. */
  loginUrl: string;
  /** Activities the connector accepted, in order. */
  activities: RecordedActivity[];
  /** Every connector call, accepted or not. */
  attempts: { path: string; status: number }[];
  /** Client-credentials grants asked for, and how many were refused. */
  tokenRequests: number;
  refusedTokenRequests: number;
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

const hasId = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { id?: unknown }).id === 'string' &&
  (value as { id: string }).id !== '';

/** What the connector would answer 400 for: the fields every activity a bot sends must carry. */
function activityProblem(activity: unknown, conversationId: string): string | null {
  if (typeof activity !== 'object' || activity === null || Array.isArray(activity))
    return 'not an activity';
  const { type, from, conversation, text, attachments } = activity as Record<string, unknown>;
  if (typeof type !== 'string' || type === '') return 'activity.type is required';
  if (!hasId(from)) return 'activity.from.id is required';
  if (!hasId(conversation)) return 'activity.conversation.id is required';
  if ((conversation as { id: string }).id !== conversationId)
    return 'activity.conversation.id does not match the conversation in the URL';
  if (
    type === 'message' &&
    (typeof text !== 'string' || text === '') &&
    !(Array.isArray(attachments) && attachments.length > 0)
  )
    return 'a message needs text or attachments';
  return null;
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
    refusedTokenRequests: 0,
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
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => authority.close(() => resolve()));
    },
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
      if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
        fake.attempts.push({ path, status: 415 });
        return sendJson(response, 415, {
          error: { code: 'UnsupportedMediaType', message: 'expected application/json' },
        });
      }
      let activity: unknown;
      try {
        activity = JSON.parse(await readBody(request));
      } catch {
        fake.attempts.push({ path, status: 400 });
        return sendJson(response, 400, { error: { code: 'BadArgument', message: 'invalid JSON' } });
      }
      const problem = activityProblem(activity, decodeURIComponent(match[1]));
      if (problem !== null) {
        fake.attempts.push({ path, status: 400 });
        return sendJson(response, 400, { error: { code: 'BadArgument', message: problem } });
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

  /** Azure AD for the tenant botframework.com: its OpenID metadata and the token endpoint. */
  async function handleAuthority(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const path = new URL(request.url ?? '/', fake.loginUrl).pathname;
    if (
      request.method === 'GET' &&
      path === '/botframework.com/v2.0/.well-known/openid-configuration'
    ) {
      return sendJson(response, 200, {
        issuer: `${fake.loginUrl}/v2.0`,
        authorization_endpoint: `${fake.loginUrl}/oauth2/v2.0/authorize`,
        token_endpoint: `${fake.loginUrl}/oauth2/v2.0/token`,
        jwks_uri: `${fake.loginUrl}/discovery/v2.0/keys`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'],
      });
    }
    // Azure AD v2 client-credentials grant, as the bot's credentials call it.
    if (request.method === 'POST' && path === '/botframework.com/oauth2/v2.0/token') {
      fake.tokenRequests += 1;
      const form = new URLSearchParams(await readBody(request));
      if (form.get('grant_type') !== 'client_credentials') {
        fake.refusedTokenRequests += 1;
        return sendJson(response, 400, { error: 'unsupported_grant_type' });
      }
      if (
        form.get('client_id') !== options.appId ||
        form.get('client_secret') !== options.appPassword
      ) {
        fake.refusedTokenRequests += 1;
        return sendJson(response, 401, {
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided.',
        });
      }
      if (form.get('scope') !== `${BOT_FRAMEWORK_SCOPE}/.default`) {
        fake.refusedTokenRequests += 1;
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

    sendJson(response, 404, {
      error: 'invalid_request',
      error_description: `${request.method} ${path}`,
    });
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      sendJson(response, 500, { error: { code: 'Internal', message: String(error) } });
    });
  });
  const tls = inject('localTls');
  const authority = createHttpsServer({ key: tls.key, cert: tls.cert }, (request, response) => {
    handleAuthority(request, response).catch((error: unknown) => {
      sendJson(response, 500, { error: 'server_error', error_description: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => authority.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.serviceUrl = `http://127.0.0.1:${port}/`;
  fake.openIdMetadataUrl = `${fake.serviceUrl}v1/.well-known/openidconfiguration`;
  fake.loginUrl = `https://127.0.0.1:${(authority.address() as AddressInfo).port}/botframework.com`;
  return fake;
}
