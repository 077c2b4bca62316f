import { decodeTypedMap, decodeTypedValue, encodeTypedMap, encodeTypedValue } from '../../../src/storage/typed-json';
import { TYPED_ATTRIBUTES } from '../../support/records';

describe('typed JSON', () => {
  it('round-trips every attribute type exactly', () => {
    const decoded = decodeTypedMap(encodeTypedMap(TYPED_ATTRIBUTES));
    expect(decoded).toEqual(TYPED_ATTRIBUTES);
    expect(Object.is(decoded.doubleNegativeZero, -0)).toBe(true);
    expect(typeof decoded.doubleIntegral).toBe('number');
    expect(typeof decoded.int).toBe('bigint');
  });

  it('writes common values as plain JSON, so that SQL can filter on them', () => {
    expect(JSON.parse(encodeTypedMap({ method: 'GET', status: 200n, ratio: 0.5, ok: true, list: ['a', 1n] }))).toEqual({
      method: 'GET',
      status: 200,
      ratio: 0.5,
      ok: true,
      list: ['a', 1],
    });
  });

  it('tags only what plain JSON would lose', () => {
    expect(encodeTypedValue(9_007_199_254_740_993n)).toBe('{"$int":"9007199254740993"}');
    expect(encodeTypedValue(2)).toBe('{"$double":2}');
    expect(encodeTypedValue(Number.NaN)).toBe('{"$double":"NaN"}');
    expect(encodeTypedValue(new Uint8Array([255]))).toBe('{"$bytes":"/w=="}');
    expect(encodeTypedValue({ a: 1n })).toBe('{"$map":{"a":1}}');
    expect(decodeTypedValue('{"$double":"-Infinity"}')).toBe(Number.NEGATIVE_INFINITY);
  });

  it('refuses JSON that is not typed JSON, rather than guessing', () => {
    expect(() => decodeTypedValue('{"a":1,"b":2}')).toThrow(/not a typed JSON value/);
  });

  it.each([
    ['a hex int', '{"$int":"0x1f"}'],
    ['an int with spaces', '{"$int":" 7 "}'],
    ['an int as a number', '{"$int":7}'],
    ['a double as arbitrary text', '{"$double":"lots"}'],
    ['bytes that are not base64', '{"$bytes":"not base64!"}'],
    ['a map that is a list', '{"$map":[1]}'],
  ])('refuses %s, which a lenient parse would turn into some other value', (_what, json) => {
    expect(() => decodeTypedValue(json)).toThrow(/not a typed JSON value/);
  });

  it('refuses a plain integer beyond 2^53, which JSON.parse has already rounded', () => {
    expect(() => decodeTypedValue('9007199254740993')).toThrow(/beyond ±2\^53; write it as \{"\$int"/);
    expect(decodeTypedValue('9007199254740991')).toBe(9_007_199_254_740_991n);
    expect(decodeTypedValue('{"$double":"-0"}')).toBe(-0);
    expect(decodeTypedValue('{"$bytes":""}')).toEqual(new Uint8Array([]));
  });
});
