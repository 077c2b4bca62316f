import { toAttributeValue } from '../../../src/mapping/values';
import {
  INT64_MAX,
  INT64_MIN,
  SPAN_ID_PATTERN,
  TRACE_ID_PATTERN,
  formatUnixNano,
  isInt64,
  isInt64Number,
  jsonPointer,
} from '../../../src/records/primitives';

describe('the shared value domains', () => {
  it('bounds int64 exactly, for bigints and for numbers', () => {
    expect([isInt64(INT64_MIN), isInt64(INT64_MAX)]).toEqual([true, true]);
    expect([isInt64(INT64_MIN - 1n), isInt64(INT64_MAX + 1n)]).toEqual([false, false]);
    // As a double, -2^63 is exact and in range; 2^63 is what INT64_MAX rounds to, and out of range.
    expect(isInt64Number(-(2 ** 63))).toBe(true);
    expect(isInt64Number(2 ** 63)).toBe(false);
    expect(isInt64Number(Number(INT64_MAX))).toBe(false);
    expect(isInt64Number(2 ** 63 - 1024)).toBe(true);
    expect(isInt64Number(1.5)).toBe(false);
  });

  it('types SDK numbers at the int64 edges as OTLP does: an int inside the range, a double beyond it', () => {
    expect(toAttributeValue(-(2 ** 63))).toBe(INT64_MIN);
    expect(toAttributeValue(2 ** 63 - 1024)).toBe(BigInt(2 ** 63 - 1024));
    expect(toAttributeValue(2 ** 63)).toBe(2 ** 63);
    expect(toAttributeValue(-(2 ** 64))).toBe(-(2 ** 64));
  });

  it('matches ids of the right length in lowercase hex only', () => {
    expect(TRACE_ID_PATTERN.test('0af7651916cd43dd8448eb211c80319c')).toBe(true);
    expect(TRACE_ID_PATTERN.test('0AF7651916CD43DD8448EB211C80319C')).toBe(false);
    expect(SPAN_ID_PATTERN.test('b7ad6b7169203331')).toBe(true);
    expect(SPAN_ID_PATTERN.test('b7ad6b716920333')).toBe(false);
  });

  it('escapes JSON pointers as RFC 6901 says', () => {
    expect(jsonPointer('http.method')).toBe('/http.method');
    expect(jsonPointer('a/b~c')).toBe('/a~1b~0c');
  });

  it('formats nanosecond times in UTC with all nine digits', () => {
    expect(formatUnixNano(1_700_000_000_123_456_789n)).toBe('2023-11-14 22:13:20.123456789');
    expect(formatUnixNano(0n)).toBe('1970-01-01 00:00:00.000000000');
    expect(formatUnixNano(INT64_MAX)).toBe('2262-04-11 23:47:16.854775807');
  });
});
