import { describe, expect, it } from 'vitest';
import { StoreValueError } from '../../src/store/errors.ts';
import { encodeJson, toJson } from '../../src/store/json.ts';

describe('store JSON codec', () => {
  it('copies plain JSON and drops undefined object fields', () => {
    const value = { a: 1, b: undefined, c: [{ d: 'x', e: undefined }], f: null, g: true };
    const copy = toJson(value);
    expect(copy).toEqual({ a: 1, c: [{ d: 'x' }], f: null, g: true });
    expect(copy).not.toBe(value);
    expect(encodeJson(value)).toBe('{"a":1,"c":[{"d":"x"}],"f":null,"g":true}');
    expect(toJson(Object.assign(Object.create(null) as object, { k: 'v' }))).toEqual({ k: 'v' });
  });

  it('names the path of the first value JSON would corrupt', () => {
    class Money {
      amount = 1;
    }
    const cases: [unknown, string][] = [
      [{ a: [1, { b: Number.NaN }] }, 'value.a[1].b'],
      [{ a: [undefined] }, 'value.a[0]'],
      [{ when: new Date() }, 'value.when'],
      [{ set: new Set([1]) }, 'value.set'],
      [{ money: new Money() }, 'value.money'],
      [{ sym: Symbol('s') }, 'value.sym'],
      [undefined, 'value'],
    ];
    for (const [value, path] of cases) {
      let caught: unknown;
      try {
        toJson(value);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(StoreValueError);
      expect(caught).toMatchObject({ code: 'STORE_VALUE_NOT_JSON', path });
    }
  });
});
