import { SPAN_COLUMNS, decodeRow } from '../../../src/storage/columns';
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
