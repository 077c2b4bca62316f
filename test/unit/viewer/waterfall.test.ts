import { axisTicks, layoutWaterfall, spanTypeColour, type LaidSpan } from '../../../src/viewer/app/waterfall';

function span(spanId: string, parentSpanId: string | null, start: number, end: number): LaidSpan {
  return {
    spanId,
    parentSpanId,
    startTimeUnixNano: BigInt(start),
    endTimeUnixNano: BigInt(end),
    durationNano: BigInt(end - start),
  };
}

const order = (spans: LaidSpan[], collapsed?: Set<string>) =>
  layoutWaterfall(spans, collapsed).rows.map((row) => `${'  '.repeat(row.depth)}${row.span.spanId}`);

describe('the waterfall layout', () => {
  it('puts each span under its parent, children by start time, whatever order they came in', () => {
    const spans = [
      span('c2', 'root', 50, 90),
      span('root', null, 0, 100),
      span('g1', 'c1', 20, 30),
      span('c1', 'root', 10, 40),
    ];
    expect(order(spans)).toEqual(['root', '  c1', '    g1', '  c2']);
  });

  it('places bars on one time axis from the earliest start to the latest end', () => {
    const { rows, startUnixNano, endUnixNano } = layoutWaterfall([
      span('root', null, 1000, 1100),
      span('child', 'root', 1050, 1200),
    ]);
    expect([startUnixNano, endUnixNano]).toEqual([1000n, 1200n]);
    expect(rows.map((row) => [row.offset, row.width])).toEqual([
      [0, 0.5],
      [0.25, 0.75],
    ]);
  });

  it('shows a span whose parent is missing at the top level, marked, and breaks a cycle of parents', () => {
    const { rows } = layoutWaterfall([span('a', 'b', 0, 10), span('b', 'a', 1, 10), span('lost', 'gone', 2, 5)]);
    expect(rows.map((row) => [row.span.spanId, row.depth, row.orphan])).toEqual([
      ['lost', 0, true],
      ['a', 0, true],
      ['b', 1, false],
    ]);
  });

  it('hides what is under a collapsed span, and counts it', () => {
    const spans = [
      span('root', null, 0, 100),
      span('c1', 'root', 10, 40),
      span('g1', 'c1', 20, 30),
      span('c2', 'root', 50, 90),
    ];
    expect(order(spans, new Set(['c1']))).toEqual(['root', '  c1', '  c2']);
    expect(layoutWaterfall(spans).rows.map((row) => row.descendants)).toEqual([3, 1, 0, 0]);
  });

  it('lays out a chain of 10,000 spans without recursion', () => {
    const spans = Array.from({ length: 10_000 }, (_, i) => span(`s${i}`, i === 0 ? null : `s${i - 1}`, i, 20_000 - i));
    const { rows } = layoutWaterfall(spans);
    expect(rows).toHaveLength(10_000);
    expect(rows.at(-1)!.depth).toBe(9_999);
    expect(rows[0]!.descendants).toBe(9_999);
  });

  it('ticks the axis at round steps', () => {
    expect(axisTicks(2_000_000_000).map((tick) => tick.offsetNano)).toEqual([
      0, 500_000_000, 1_000_000_000, 1_500_000_000, 2_000_000_000,
    ]);
    expect(axisTicks(0)).toEqual([{ fraction: 0, offsetNano: 0 }]);
  });

  it('colours span types by family', () => {
    expect(spanTypeColour('model_generation')).toBe(spanTypeColour('model_step'));
    expect(spanTypeColour('tool_call')).toBe(spanTypeColour('client_tool_call'));
    expect(spanTypeColour('tool_call')).not.toBe(spanTypeColour('agent_run'));
  });
});
