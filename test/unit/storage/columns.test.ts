import { COLUMNS, SPAN_COLUMNS, blankCell, decodeRow, type Column } from '../../../src/storage/columns';
import type { SpanRecord } from '../../../src/records/types';
import { makeSpan } from '../../support/records';

/** The span's row in the column order given, as a store would hand it back. */
function roundTrip(span: SpanRecord, columns: typeof SPAN_COLUMNS): SpanRecord {
  return decodeRow(
    columns,
    columns.map((column) => column.get(span)),
  );
}

describe('the span row model', () => {
  const prompt = JSON.stringify([{ role: 'user', content: 'Plan a trip' }]);
  const answer = { plan: ['fly', 'walk'], days: 5n };
  const span = makeSpan({
    attributes: { 'gen_ai.input.messages': prompt, 'gen_ai.output.messages': answer, other: 1n },
    input: prompt,
    output: answer,
  });

  it("keeps an attribute that holds the span's input or output once, as a reference", () => {
    const attributes = SPAN_COLUMNS.find((column) => column.name === 'attributes')!.get(span) as string;
    expect(JSON.parse(attributes)).toEqual({
      'gen_ai.input.messages': { $ref: 'input' },
      'gen_ai.output.messages': { $ref: 'output' },
      other: 1,
    });
  });

  it('resolves the references whatever the order of the columns', () => {
    const orders = [
      SPAN_COLUMNS,
      [...SPAN_COLUMNS].reverse(),
      // Payloads first, attributes last.
      [
        ...SPAN_COLUMNS.filter((column) => column.name === 'input' || column.name === 'output'),
        ...SPAN_COLUMNS.filter((column) => column.name !== 'input' && column.name !== 'output'),
      ],
      // Attributes between the two payloads.
      [
        ...SPAN_COLUMNS.filter((column) => column.name === 'output'),
        ...SPAN_COLUMNS.filter((column) => column.name === 'attributes'),
        ...SPAN_COLUMNS.filter((column) => !['attributes', 'output'].includes(column.name)),
      ],
    ];
    for (const columns of orders) expect(roundTrip(span, columns)).toEqual(span);
  });
});

describe('the blank of a column, which rows stored before it existed read', () => {
  const column = (signal: keyof typeof COLUMNS, name: string) =>
    (COLUMNS[signal] as Column<unknown>[]).find((candidate) => candidate.name === name)!;

  it('is null, an empty value that decodes cleanly, or the type zero', () => {
    expect(blankCell(column('spans', 'model'))).toBeNull();
    expect(blankCell(column('spans', 'trace_state'))).toBe('');
    expect(blankCell(column('spans', 'dropped_links_count'))).toBe(0);
    expect(blankCell(column('logs', 'observed_time'))).toBe(0n);
    expect(blankCell(column('spans', 'tags'))).toEqual([]);
    expect(blankCell(column('spans', 'metadata'))).toBe('{}');
    expect(blankCell(column('spans', 'events'))).toBe('[]');
    expect(blankCell(column('logs', 'body'))).toBe('null');
    const resource = blankCell(column('spans', 'resource')) as string;
    expect(JSON.parse(resource)).toEqual({ attributes: {}, droppedAttributesCount: 0, schemaUrl: '' });
  });

  it("is a column's own blank when it declares one", () => {
    const origin = { ...column('spans', 'name'), name: 'origin', lowCardinality: true, blank: 'otel' };
    expect(blankCell(origin)).toBe('otel');
  });
});
