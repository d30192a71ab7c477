// Stock codes (600519, sh600519, 600519.SH, 00700.HK, HK00700) and listed names from stocks.txt.
import { readFileSync } from 'node:fs';
import type { Candidate } from './resolve.ts';
import { RANK } from './resolve.ts';
import { followsAccountWord } from './text.ts';

export type Market = 'SH' | 'SZ' | 'BJ' | 'HK';

export interface StockListing {
  /** 6 digits for A-shares, 5 digits (zero-padded) for Hong Kong. */
  code: string;
  name: string;
  market: Market;
  /** Other names customers use (茅台 for 贵州茅台). */
  aliases?: string[];
}

const MARKETS: ReadonlySet<string> = new Set(['SH', 'SZ', 'BJ', 'HK']);

/** Canonical code as used in Entity.normalized: '600519.SH', '00700.HK'. */
export function stockSymbol(code: string, market: Market): string {
  return `${market === 'HK' ? code.padStart(5, '0') : code}.${market}`;
}

/** Boards whose shares need a trading permission of their own, and the main boards that do not. */
export const BOARDS = ['star', 'chinext', 'bse', 'hk', 'main'] as const;
export type Board = (typeof BOARDS)[number];

/**
 * Board of a canonical symbol ('688981.SH'): 688/689 STAR Market (科创板), 300-302 ChiNext
 * (创业板), any .BJ the Beijing Stock Exchange (北交所), any .HK Hong Kong (via 港股通); the rest
 * main boards. Undefined for what is not a symbol.
 */
export function boardOf(symbol: string): Board | undefined {
  const m = /^([0-9]{5,6})\.(SH|SZ|BJ|HK)$/.exec(symbol);
  if (!m) return undefined;
  const [, code = '', market] = m;
  if (market === 'HK') return 'hk';
  if (market === 'BJ') return 'bse';
  if (market === 'SH' && /^68[89]/.test(code)) return 'star';
  if (market === 'SZ' && /^30[012]/.test(code)) return 'chinext';
  return 'main';
}

/** Exchange of an A-share code by its prefix: 60/68 Shanghai, 00/30 Shenzhen, 8x/43/92 Beijing. */
export function inferAShareMarket(code: string): Market | undefined {
  if (!/^[0-9]{6}$/.test(code)) return undefined;
  if (/^6[08]/.test(code)) return 'SH';
  if (/^(00|30)/.test(code)) return 'SZ';
  if (/^(8|43|92)/.test(code)) return 'BJ';
  return undefined;
}

/**
 * Parses `code name market [alias...]` lines; '#' starts a comment. Malformed lines throw an Error
 * naming `source:line` so content authors can find them.
 */
export function parseStockListings(content: string, source = 'stocks'): StockListing[] {
  const listings: StockListing[] = [];
  const lines = content.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const where = `${source}:${index + 1}`;
    const [code, name, marketRaw, ...aliases] = line.split(/\s+/);
    const market = marketRaw?.toUpperCase();
    if (!code || !name || !market) {
      throw new Error(`${where}: expected "code name market", got "${line}"`);
    }
    if (!MARKETS.has(market))
      throw new Error(`${where}: unknown market "${marketRaw}" (SH, SZ, BJ or HK)`);
    const expected = market === 'HK' ? /^[0-9]{1,5}$/ : /^[0-9]{6}$/;
    if (!expected.test(code)) {
      throw new Error(
        `${where}: "${code}" is not a${market === 'HK' ? ' 1-5' : ' 6'}-digit ${market} code`,
      );
    }
    const listing: StockListing = {
      code: market === 'HK' ? code.padStart(5, '0') : code,
      name,
      market: market as Market,
    };
    if (aliases.length > 0) listing.aliases = aliases;
    listings.push(listing);
  });
  return listings;
}

export function loadStockListings(path: string): StockListing[] {
  return parseStockListings(readFileSync(path, 'utf8'), path);
}

// Named groups so both spellings (sh600519, 600519.SH) share one loop.
const MARKED_PREFIX = /(?<![A-Za-z0-9])(?<tag>sh|sz|bj|ss)[ ]?(?<code>[0-9]{6})(?![0-9])/gi;
const MARKED_SUFFIX = /(?<![A-Za-z0-9.])(?<code>[0-9]{6})\.(?<tag>sh|sz|bj|ss)(?![A-Za-z])/gi;
const HK_PREFIX = /(?<![A-Za-z0-9])hk[ ]?([0-9]{3,5})(?![0-9])/gi;
const HK_SUFFIX = /(?<![A-Za-z0-9.])([0-9]{3,5})\.hk(?![A-Za-z])/gi;
const BARE = /(?<![0-9A-Za-z.,¥￥+\-/:])([0-9]{5,6})(?![0-9A-Za-z]|[.,][0-9]|[-/:][0-9])/g;
// A number followed by an amount unit is money or a share count, not a code.
const AMOUNT_AFTER = /^\s?(?:[万千亿元块%手]|股(?![价票吧东]))/;

function toMarket(tag: string): Market {
  const upper = tag.toUpperCase();
  return (upper === 'SS' ? 'SH' : upper) as Market;
}

export interface StockIndex {
  byCode: Map<string, StockListing>;
  /** Names and aliases grouped by first character, longest first. */
  byFirstChar: Map<string, Array<{ name: string; listing: StockListing }>>;
}

export function indexStockListings(stocks: readonly StockListing[]): StockIndex {
  const byCode = new Map<string, StockListing>();
  const byFirstChar = new Map<string, Array<{ name: string; listing: StockListing }>>();
  for (const listing of stocks) {
    const key = listing.market === 'HK' ? listing.code.padStart(5, '0') : listing.code;
    if (!byCode.has(key)) byCode.set(key, listing);
    for (const rawName of [listing.name, ...(listing.aliases ?? [])]) {
      const name = rawName.toLowerCase();
      const first = name[0];
      if (!first) continue;
      const bucket = byFirstChar.get(first) ?? [];
      if (!bucket.some((b) => b.name === name)) bucket.push({ name, listing });
      byFirstChar.set(first, bucket);
    }
  }
  for (const bucket of byFirstChar.values()) bucket.sort((a, b) => b.name.length - a.name.length);
  return { byCode, byFirstChar };
}

function codeCandidate(
  text: string,
  start: number,
  end: number,
  normalized: string,
  rank: number,
): Candidate {
  return { type: 'stock_code', value: text.slice(start, end), start, end, normalized, rank };
}

/** `text` must be half-width. */
export function detectStockCodes(text: string, index: StockIndex): Candidate[] {
  if (!/[0-9]{3}/.test(text)) return [];
  const out: Candidate[] = [];
  for (const re of [MARKED_PREFIX, MARKED_SUFFIX]) {
    for (const m of text.matchAll(re)) {
      const { tag = '', code = '' } = m.groups ?? {};
      out.push(
        codeCandidate(
          text,
          m.index,
          m.index + m[0].length,
          stockSymbol(code, toMarket(tag)),
          RANK.stock_code_marked,
        ),
      );
    }
  }
  for (const re of [HK_PREFIX, HK_SUFFIX]) {
    for (const m of text.matchAll(re)) {
      const code = m[1] ?? '';
      out.push(
        codeCandidate(
          text,
          m.index,
          m.index + m[0].length,
          stockSymbol(code, 'HK'),
          RANK.stock_code_marked,
        ),
      );
    }
  }
  for (const m of text.matchAll(BARE)) {
    const code = m[1] ?? '';
    const end = m.index + code.length;
    if (AMOUNT_AFTER.test(text.slice(end, end + 2)) || followsAccountWord(text, m.index)) continue;
    const listed = index.byCode.get(code);
    let market: Market | undefined;
    if (code.length === 5) market = listed?.market === 'HK' ? 'HK' : undefined;
    else market = listed && listed.market !== 'HK' ? listed.market : inferAShareMarket(code);
    if (market)
      out.push(codeCandidate(text, m.index, end, stockSymbol(code, market), RANK.stock_code_bare));
  }
  return out;
}

/** Longest listed name or alias at each position; `text` must be half-width. */
export function detectStockNames(text: string, index: StockIndex): Candidate[] {
  if (index.byFirstChar.size === 0) return [];
  const lower = text.toLowerCase();
  const out: Candidate[] = [];
  for (let i = 0; i < lower.length;) {
    const bucket = index.byFirstChar.get(lower[i] ?? '');
    const hit = bucket?.find((b) => lower.startsWith(b.name, i));
    if (!hit) {
      i++;
      continue;
    }
    const end = i + hit.name.length;
    out.push({
      type: 'stock_name',
      value: text.slice(i, end),
      start: i,
      end,
      normalized: stockSymbol(hit.listing.code, hit.listing.market),
      rank: RANK.stock_name,
    });
    i = end;
  }
  return out;
}
