// Entity extraction: stock codes and names, money, dates, and personal data, with original offsets.
import type { Entity } from './types.ts';
import { detectDateTimes } from './entities/datetime.ts';
import { detectMoney } from './entities/money.ts';
import { detectPersonalData } from './entities/personal.ts';
import { resolveOverlaps } from './entities/resolve.ts';
import type { StockListing } from './entities/stock.ts';
import { detectStockCodes, detectStockNames, indexStockListings } from './entities/stock.ts';
import { toHalfWidth } from './entities/text.ts';

export type { Board, Market, StockListing } from './entities/stock.ts';
export {
  BOARDS,
  boardOf,
  inferAShareMarket,
  loadStockListings,
  parseStockListings,
  stockSymbol,
} from './entities/stock.ts';
export {
  idNumberCheckChar,
  isPlausibleBirthDate,
  isValidBankCard,
  isValidIdNumber,
  passesLuhn,
} from './entities/personal.ts';
export { toHalfWidth } from './entities/text.ts';

export interface EntityExtractor {
  /** Entities sorted by start, never overlapping; `now` anchors relative dates (default: now). */
  extract(text: string, now?: Date): Entity[];
}

export interface EntityExtractorOptions {
  stocks: readonly StockListing[];
}

export function createEntityExtractor(options: EntityExtractorOptions): EntityExtractor {
  const index = indexStockListings(options.stocks);
  return {
    extract(text: string, now: Date = new Date()): Entity[] {
      if (typeof text !== 'string' || text.length === 0) return [];
      const half = toHalfWidth(text);
      const found = resolveOverlaps([
        ...detectPersonalData(half, now),
        ...detectStockCodes(half, index),
        ...detectStockNames(half, index),
        ...detectMoney(half),
        ...detectDateTimes(half, now),
      ]);
      // Detectors saw the half-width copy; report what the customer actually typed.
      return found.map((e) => ({ ...e, value: text.slice(e.start, e.end) }));
    },
  };
}
