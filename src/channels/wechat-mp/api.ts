// The two WeChat server APIs the channel calls: the access token (cached until it expires) and a
// message send used for replies that missed the 5-second window. The Official Account uses
// api.weixin.qq.com (cgi-bin/token, message/custom/send); a WeCom self-built app uses
// qyapi.weixin.qq.com (cgi-bin/gettoken with corpid/corpsecret, message/send with the agentid).

export type WechatPlatform = 'official-account' | 'wecom';

/**
 * errcodes meaning "this access_token is no longer valid": fetch a new one and retry once. On WeCom
 * 40001 means a wrong corpsecret, which a new token cannot fix, so only 40014 and 42001 count there.
 */
const STALE_TOKEN_CODES: Record<WechatPlatform, ReadonlySet<number>> = {
  'official-account': new Set([40001, 40014, 42001]),
  wecom: new Set([40014, 42001]),
};
/** Refresh a little before WeChat's own expiry so a token never dies in flight. */
const EXPIRY_MARGIN_MS = 5 * 60 * 1000;
const REQUEST_TIMEOUT_MS = 10_000;

/** A WeChat API answer with a non-zero errcode (or an unusable HTTP answer: errcode -1). */
export class WechatApiError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    readonly endpoint: string,
  ) {
    super(`WeChat API ${endpoint} failed: ${errcode} ${errmsg}`);
    this.name = 'WechatApiError';
  }
}

export interface WechatApiOptions {
  /** Default 'official-account'. */
  platform?: WechatPlatform;
  apiBaseUrl: string;
  /** The Official Account appId, or the WeCom corpId. */
  appId: string;
  /** The AppSecret, or the WeCom app's Secret. */
  appSecret?: string;
  /** WeCom only: the self-built app's AgentId, sent with every message. */
  agentId?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

interface CachedToken {
  value: string;
  expiresAt: number;
}

export class WechatApiClient {
  private token: CachedToken | null = null;
  private pendingToken: Promise<string> | null = null;
  private readonly baseUrl: string;
  private readonly now: () => number;
  private readonly fetchImpl: typeof fetch;
  private readonly platform: WechatPlatform;

  constructor(private readonly options: WechatApiOptions) {
    this.baseUrl = options.apiBaseUrl.replace(/\/+$/, '');
    this.now = options.now ?? Date.now;
    this.fetchImpl = options.fetch ?? fetch;
    this.platform = options.platform ?? 'official-account';
    if (this.platform === 'wecom' && !Number.isInteger(options.agentId)) {
      throw new RangeError('a WeCom API client needs the numeric AgentId');
    }
  }

  /** Whether proactive sending is configured at all (it needs the AppSecret). */
  get canSend(): boolean {
    return Boolean(this.options.appSecret);
  }

  /**
   * Sends one text to one user: the customer-service message API of an Official Account
   * (`touser` is the openid), or WeCom's application message API (`touser` is the member's UserID).
   */
  async sendText(userId: string, content: string): Promise<void> {
    const wecom = this.platform === 'wecom';
    const endpoint = wecom ? 'message/send' : 'message/custom/send';
    const body = wecom
      ? { touser: userId, msgtype: 'text', agentid: this.options.agentId, text: { content } }
      : { touser: userId, msgtype: 'text', text: { content } };
    for (let attempt = 0; ; attempt += 1) {
      const token = await this.accessToken();
      const url = `${this.baseUrl}/cgi-bin/${endpoint}?access_token=${encodeURIComponent(token)}`;
      const answer = await this.call(endpoint, url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(body),
      });
      const errcode = typeof answer.errcode === 'number' ? answer.errcode : 0;
      if (errcode === 0) {
        // WeCom answers errcode 0 even when some recipients were refused, naming them instead.
        const refused = wecom ? refusedRecipients(answer) : '';
        if (refused !== '') {
          throw new WechatApiError(-1, `recipient refused (${refused})`, endpoint);
        }
        return;
      }
      if (STALE_TOKEN_CODES[this.platform].has(errcode) && attempt === 0) {
        this.invalidateToken(token);
        continue;
      }
      throw new WechatApiError(errcode, String(answer.errmsg ?? ''), endpoint);
    }
  }

  /** A valid access_token, fetched once for all concurrent callers and cached until expiry. */
  async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > this.now()) return this.token.value;
    this.pendingToken ??= this.fetchToken().finally(() => {
      this.pendingToken = null;
    });
    return this.pendingToken;
  }

  private invalidateToken(stale: string): void {
    if (this.token?.value === stale) this.token = null;
  }

  private async fetchToken(): Promise<string> {
    const { appId, appSecret } = this.options;
    if (!appSecret) {
      throw new WechatApiError(
        -1,
        'no AppSecret configured: cannot obtain an access_token',
        'token',
      );
    }
    const wecom = this.platform === 'wecom';
    const endpoint = wecom ? 'gettoken' : 'token';
    const query = wecom
      ? new URLSearchParams({ corpid: appId, corpsecret: appSecret })
      : new URLSearchParams({ grant_type: 'client_credential', appid: appId, secret: appSecret });
    const answer = await this.call(
      endpoint,
      `${this.baseUrl}/cgi-bin/${endpoint}?${query.toString()}`,
      { method: 'GET' },
    );
    const value = answer.access_token;
    const expiresIn = answer.expires_in;
    if (typeof value !== 'string' || value === '' || typeof expiresIn !== 'number') {
      throw new WechatApiError(
        typeof answer.errcode === 'number' ? answer.errcode : -1,
        String(answer.errmsg ?? 'no access_token in the answer'),
        endpoint,
      );
    }
    const lifetimeMs = Math.max(expiresIn * 1000 - EXPIRY_MARGIN_MS, (expiresIn * 1000) / 2);
    this.token = { value, expiresAt: this.now() + lifetimeMs };
    return value;
  }

  private async call(
    endpoint: string,
    url: string,
    init: RequestInit,
  ): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        ...init,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new WechatApiError(-1, `network error: ${(error as Error).message}`, endpoint);
    }
    if (!response.ok) throw new WechatApiError(-1, `HTTP ${response.status}`, endpoint);
    try {
      const answer: unknown = await response.json();
      if (answer !== null && typeof answer === 'object') return answer as Record<string, unknown>;
    } catch {
      // fall through: not JSON
    }
    throw new WechatApiError(-1, 'answer is not a JSON object', endpoint);
  }
}

/** WeCom's invaliduser / unlicenseduser lists ("a|b"), joined; empty when everyone got it. */
function refusedRecipients(answer: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const field of ['invaliduser', 'unlicenseduser'] as const) {
    const value = answer[field];
    if (typeof value === 'string' && value.trim() !== '') parts.push(`${field}: ${value.trim()}`);
  }
  return parts.join('; ');
}
