// The two WeChat server APIs the channel calls: the access token (cached until it expires) and
// the customer-service message ("custom send") used for replies that missed the 5-second window.

/** errcodes meaning "this access_token is no longer valid": fetch a new one and retry once. */
const STALE_TOKEN_CODES = new Set([40001, 40014, 42001]);
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
  apiBaseUrl: string;
  appId: string;
  appSecret?: string;
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

  constructor(private readonly options: WechatApiOptions) {
    this.baseUrl = options.apiBaseUrl.replace(/\/+$/, '');
    this.now = options.now ?? Date.now;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** Whether proactive sending is configured at all (it needs the AppSecret). */
  get canSend(): boolean {
    return Boolean(this.options.appSecret);
  }

  /** Sends one text through the customer-service message API. */
  async sendText(openId: string, content: string): Promise<void> {
    const body = { touser: openId, msgtype: 'text', text: { content } };
    for (let attempt = 0; ; attempt += 1) {
      const token = await this.accessToken();
      const url = `${this.baseUrl}/cgi-bin/message/custom/send?access_token=${encodeURIComponent(token)}`;
      const answer = await this.call('message/custom/send', url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(body),
      });
      const errcode = typeof answer.errcode === 'number' ? answer.errcode : 0;
      if (errcode === 0) return;
      if (STALE_TOKEN_CODES.has(errcode) && attempt === 0) {
        this.invalidateToken(token);
        continue;
      }
      throw new WechatApiError(errcode, String(answer.errmsg ?? ''), 'message/custom/send');
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
    const query = new URLSearchParams({
      grant_type: 'client_credential',
      appid: appId,
      secret: appSecret,
    });
    const answer = await this.call('token', `${this.baseUrl}/cgi-bin/token?${query.toString()}`, {
      method: 'GET',
    });
    const value = answer.access_token;
    const expiresIn = answer.expires_in;
    if (typeof value !== 'string' || value === '' || typeof expiresIn !== 'number') {
      throw new WechatApiError(
        typeof answer.errcode === 'number' ? answer.errcode : -1,
        String(answer.errmsg ?? 'no access_token in the answer'),
        'token',
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
