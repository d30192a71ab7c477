// One codec for every store, so memory, file and Redis accept, drop and reject the same values.
import { StoreValueError } from './errors.ts';
import type { Json } from './types.ts';

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object' && value !== null) {
    return `a ${value.constructor?.name ?? 'non-plain'} object`;
  }
  return `a ${typeof value}`;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Checks that `value` is plain JSON and returns a detached copy with `undefined` object fields
 * dropped (as JSON.stringify does). Anything JSON would corrupt silently (NaN, Infinity, Date,
 * Map, class instances, undefined array items, functions, bigint) throws StoreValueError.
 */
export function toJson(value: unknown, path = 'value'): Json {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value))
        throw new StoreValueError(path, `${describe(value)} is not JSON`);
      return value;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        return value.map((item: unknown, i) => {
          if (item === undefined)
            throw new StoreValueError(`${path}[${i}]`, 'undefined array item');
          return toJson(item, `${path}[${i}]`);
        });
      }
      if (!isPlainObject(value)) {
        throw new StoreValueError(path, `${describe(value)} is not a plain object`);
      }
      const out: { [key: string]: Json } = {};
      for (const [key, field] of Object.entries(value)) {
        if (field === undefined) continue;
        out[key] = toJson(field, `${path}.${key}`);
      }
      return out;
    }
    default:
      throw new StoreValueError(path, `${describe(value)} is not JSON`);
  }
}

/** Validates like toJson and returns the JSON text a store writes. */
export function encodeJson(value: unknown, path = 'value'): string {
  return JSON.stringify(toJson(value, path));
}

/** Parses stored JSON text back into a fresh object the caller may mutate freely. */
export function decodeJson<T>(text: string): T {
  return JSON.parse(text) as T;
}
