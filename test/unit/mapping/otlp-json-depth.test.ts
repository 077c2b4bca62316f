import { OtlpDecodeError, decodeTraces } from '../../../src/mapping/otlp';
import { MAX_VALUE_DEPTH } from '../../../src/mapping/otlp/assembly';
import { MAX_JSON_DEPTH } from '../../../src/mapping/otlp/json-values';

/** A JSON traces request with one span whose one event carries `value` as an attribute. */
function request(value: unknown): Buffer {
  const span = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    name: 'deep',
    startTimeUnixNano: '1',
    endTimeUnixNano: '2',
    events: [{ timeUnixNano: '1', name: 'e', attributes: [{ key: 'v', value }] }],
  };
  return Buffer.from(`{"resourceSpans":[{"scopeSpans":[{"spans":[${JSON.stringify(span)}]}]}]}`);
}

/** An AnyValue of `levels` nested key-value lists around a string. */
function nestedKvlist(levels: number): unknown {
  let value: unknown = { stringValue: 'leaf' };
  for (let i = 0; i < levels; i++) value = { kvlistValue: { values: [{ key: 'k', value }] } };
  return value;
}

describe('OTLP/JSON nesting', () => {
  it('refuses a body nested a million levels deep in a field the decoder skips, before parsing it', () => {
    const deep = `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`;
    const body = Buffer.from(`{"resourceSpans":[],"skipped":${deep}}`);
    expect(body.length).toBeGreaterThan(2_000_000);
    expect(() => decodeTraces(body, 'json')).toThrow(OtlpDecodeError);
    expect(() => decodeTraces(body, 'json')).toThrow(
      new RegExp(
        `nested deeper than ${MAX_JSON_DEPTH} levels at byte ` +
          `${'{"resourceSpans":[],"skipped":'.length + MAX_JSON_DEPTH - 1}`,
      ),
    );
  });

  it('still decodes the deepest value records may hold, inside a span event', () => {
    const result = decodeTraces(request(nestedKvlist(MAX_VALUE_DEPTH)), 'json');
    expect(result.rejected).toBe(0);
    let value = result.records[0]!.events[0]!.attributes.v;
    for (let i = 0; i < MAX_VALUE_DEPTH; i++) value = (value as { k: unknown }).k as never;
    expect(value).toBe('leaf');
  });

  it('does not count brackets inside strings, escaped quotes and backslashes included', () => {
    const text = `[{\\"${'['.repeat(10_000)}`;
    const result = decodeTraces(request({ stringValue: text }), 'json');
    expect(result.records[0]!.events[0]!.attributes.v).toBe(text);
  });
});
