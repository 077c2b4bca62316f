import { jest } from '@jest/globals';
import { duration, isoNanos, plainJson, tokens, typedText, valueType } from '../../../src/viewer/app/format';
import type * as TypedJson from '../../../src/storage/typed-json';

describe('the viewer formats', () => {
  it('times to the nanosecond, and durations with their unit', () => {
    expect(isoNanos(1_700_000_000_123_456_789n)).toBe('2023-11-14T22:13:20.123456789Z');
    expect(isoNanos(1_700_000_000_000_000_001n)).toBe('2023-11-14T22:13:20.000000001Z');
    expect([850, 12_300, 1_500_000, 2_000_000_000, 90_000_000_000].map((ns) => duration(ns))).toEqual([
      '850 ns',
      '12.3 µs',
      '1.500 ms',
      '2.000 s',
      '1 min 30.0 s',
    ]);
  });

  it('typed values so that the int 200, the double 200 and the string "200" look different', () => {
    expect([200n, 200, '200', 0.5, -0, true, null, new Uint8Array([0, 255])].map((value) => typedText(value))).toEqual([
      '200',
      '200.0',
      '"200"',
      '0.5',
      '-0.0',
      'true',
      'null',
      '0x00ff',
    ]);
    expect([200n, 200, '200', [1n], { a: 1n }].map((value) => valueType(value))).toEqual([
      'int',
      'double',
      'string',
      'array',
      'map',
    ]);
    expect(plainJson({ big: 9007199254740993n, small: 7n, list: [1.5] })).toEqual({
      big: '9007199254740993',
      small: 7,
      list: [1.5],
    });
    expect(tokens(30, 12, 42)).toBe('30 in · 12 out · 42 total');
    expect(tokens(null, 5, null)).toBe('5 out');
  });
});

describe('typed JSON without Node’s Buffer, as the viewer decodes it in a browser', () => {
  it('encodes and decodes bytes as Node does', () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 7) % 256);
    const map = { bytes, empty: new Uint8Array(0), text: 'x' };
    const withBuffer = jest.requireActual<typeof TypedJson>('../../../src/storage/typed-json');
    const saved = globalThis.Buffer;
    let browser: typeof TypedJson;
    try {
      // The module reads `globalThis.Buffer` when it loads.
      (globalThis as { Buffer?: unknown }).Buffer = undefined;
      jest.isolateModules(() => {
        browser = jest.requireActual<typeof TypedJson>('../../../src/storage/typed-json');
      });
    } finally {
      globalThis.Buffer = saved;
    }
    const json = withBuffer.encodeTypedMap(map);
    expect(browser!.encodeTypedMap(map)).toBe(json);
    expect(browser!.decodeTypedMap(json)).toEqual(withBuffer.decodeTypedMap(json));
    expect(browser!.decodeTypedMap(json).bytes).toEqual(bytes);
  });
});
