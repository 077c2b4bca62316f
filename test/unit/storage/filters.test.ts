import { FILTERS } from '../../../src/storage/filters';
import { InvalidQueryError } from '../../../src/storage/errors';

describe('neutral filter predicates', () => {
  it('turns a trace filter into predicates over model columns, on the head span', () => {
    const from = new Date(Date.UTC(2026, 0, 1));
    expect(
      FILTERS.spans({
        from,
        serviceName: 'billing',
        userId: 'u-1',
        hasError: true,
        tags: ['vip'],
        spanType: 'agent_run',
      }),
    ).toEqual([
      { op: 'timeRange', column: 'start_time', from: BigInt(from.getTime()) * 1_000_000n, to: null },
      { op: 'equals', column: 'service_name', value: 'billing' },
      { op: 'equals', column: 'user_id', value: 'u-1' },
      { op: 'equals', column: 'span_type', value: 'agent_run' },
      { op: 'isNotNull', column: 'error' },
      { op: 'hasAll', column: 'tags', values: ['vip'] },
    ]);
    // No tags asked for is no condition at all.
    expect(FILTERS.spans({ tags: [] })).toEqual([]);
  });

  it('admits log levels from a level list and a minimum level together', () => {
    expect(FILTERS.logs({ level: ['debug', 'error'], minLevel: 'warn', search: 'Slow' })).toEqual([
      { op: 'in', column: 'level', values: ['error'] },
      { op: 'containsIgnoreCase', column: 'message', text: 'Slow' },
    ]);
    expect(FILTERS.logs({ level: 'debug', minLevel: 'warn' })).toEqual([{ op: 'in', column: 'level', values: [] }]);
    expect(() => FILTERS.logs({ minLevel: 'loud' as never })).toThrow(InvalidQueryError);
    expect(() => FILTERS.logs({ to: new Date(Number.NaN) })).toThrow(/invalid Date/);
  });

  it('keeps metric attribute values typed, and names as a list', () => {
    expect(FILTERS.metrics({ name: 'req', attributes: { code: 200n, route: '/a' } })).toEqual([
      { op: 'in', column: 'name', values: ['req'] },
      { op: 'attributeEquals', column: 'attributes', key: 'code', value: 200n },
      { op: 'attributeEquals', column: 'attributes', key: 'route', value: '/a' },
    ]);
  });
});
