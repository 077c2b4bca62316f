import { ApiError } from '../../../src/api/errors';
import {
  AGGREGATE_PARAMS,
  LOG_PARAMS,
  METRIC_PARAMS,
  TRACE_PARAMS,
  listArgs,
  parseDuration,
  parseQuery,
  parseTime,
} from '../../../src/api/params';
import { MAX_PAGE } from '../../../src/storage/types';

const parse = (query: string, spec = TRACE_PARAMS, required: string[] = []) =>
  parseQuery(new URLSearchParams(query), spec, required);

/** The error a query gets: its status, and the parameter it names. */
function refusal(query: string, spec = TRACE_PARAMS, required: string[] = []): ApiError {
  try {
    parse(query, spec, required);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error(`${query} was accepted`);
}

describe('query parameters', () => {
  it('reads RFC 3339 times to the nanosecond, with Z or an offset, and nanoseconds since the epoch', () => {
    expect(parseTime('2023-11-14T22:13:20.123456789Z')).toBe(1_700_000_000_123_456_789n);
    expect(parseTime('2023-11-14T23:13:20.123456789+01:00')).toBe(1_700_000_000_123_456_789n);
    expect(parseTime('2023-11-14T17:43:20.5-04:30')).toBe(1_700_000_000_500_000_000n);
    expect(parseTime('2023-11-14T22:13:20Z')).toBe(1_700_000_000_000_000_000n);
    expect(parseTime('1700000000123456789')).toBe(1_700_000_000_123_456_789n);
    for (const bad of ['2023-02-30T00:00:00Z', '2023-11-14T24:00:00Z', '2023-11-14T22:13:20', 'yesterday', '1.5']) {
      expect(() => parseTime(bad)).toThrow();
    }
  });

  it('reads durations with a unit, or in nanoseconds, and refuses zero', () => {
    expect(parseDuration('1m')).toBe(60_000_000_000n);
    expect(parseDuration('250ms')).toBe(250_000_000n);
    expect(parseDuration('1d')).toBe(86_400_000_000_000n);
    expect(parseDuration('1500')).toBe(1500n);
    expect(() => parseDuration('0s')).toThrow(/longer than zero/);
    expect(() => parseDuration('1 minute')).toThrow(/500ms, 10s/);
  });

  it('fills the store arguments by their own names: service → serviceName, status → statusCode', () => {
    const parsed = parse(
      'service=web&status=error&hasError=true&tags=vip&tags=eu&userId=u-1&from=2023-11-14T22:13:20Z&perPage=10&page=2&order=asc&traceId=ABCDEF0123456789ABCDEF0123456789',
    );
    expect(listArgs(parsed)).toEqual({
      page: 2,
      perPage: 10,
      order: 'asc',
      filter: {
        serviceName: 'web',
        statusCode: 'error',
        hasError: true,
        tags: ['vip', 'eu'],
        userId: 'u-1',
        from: 1_700_000_000_000_000_000n,
        traceId: 'abcdef0123456789abcdef0123456789',
      },
    });
    expect(parse('level=warn&level=error&minLevel=info', LOG_PARAMS)).toEqual({
      level: ['warn', 'error'],
      minLevel: 'info',
    });
    expect(parse('name=a&name=b&attributes={"code":200,"route":"/a","ratio":{"$double":1}}', METRIC_PARAMS)).toEqual({
      name: ['a', 'b'],
      attributes: { code: 200n, route: '/a', ratio: 1 },
    });
    expect(parse('name=latency&aggregation=avg&bucket=5m&groupBy=route', AGGREGATE_PARAMS)).toEqual({
      name: 'latency',
      aggregation: 'avg',
      bucketSizeNano: 300_000_000_000n,
      groupBy: ['route'],
    });
  });

  it.each([
    ['perPage=ten', 'perPage', /must be a whole number from 1 to 1000, got "ten"/],
    ['perPage=1001', 'perPage', /from 1 to 1000/],
    ['page=-1', 'page', /whole number from 0 to /],
    ['page=1.5', 'page', /whole number from 0 to /],
    [`page=${MAX_PAGE + 1}`, 'page', new RegExp(`from 0 to ${MAX_PAGE}, got "${MAX_PAGE + 1}"`)],
    ['order=newest', 'order', /one of asc, desc/],
    ['hasError=yes', 'hasError', /true or false/],
    ['status=broken', 'status', /one of unset, ok, error/],
    ['spanType=robot', 'spanType', /one of agent_run/],
    ['from=last week', 'from', /RFC 3339/],
    ['to=2023-13-01T00:00:00Z', 'to', /not a real date/],
    ['traceId=xyz', 'traceId', /32 hex digits/],
    ['service=', 'service', /is empty/],
    ['service=a&service=b', 'service', /more than once/],
    ['colour=blue', 'colour', /not known here; the parameters are from, to, service/],
  ])('refuses %s with a 400 that names %s', (query, name, message) => {
    const error = refusal(query);
    expect(error.status).toBe(400);
    expect(error.parameter).toBe(name);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`parameter ${name} `);
  });

  it.each([
    ['level=loud', LOG_PARAMS, 'level', /one of debug, info/],
    ['spanId=123', LOG_PARAMS, 'spanId', /16 hex digits/],
    ['attributes=not json', METRIC_PARAMS, 'attributes', /not JSON/],
    ['attributes=[1]', METRIC_PARAMS, 'attributes', /JSON object of typed values/],
    ['attributes={"n":{"$int":"x"}}', METRIC_PARAMS, 'attributes', /not typed JSON/],
    ['name=a&aggregation=median&bucket=1m', AGGREGATE_PARAMS, 'aggregation', /one of sum, avg/],
    ['name=a&aggregation=sum&bucket=soon', AGGREGATE_PARAMS, 'bucket', /duration/],
    ['name=a&aggregation=sum&bucket=1m&field=p99', AGGREGATE_PARAMS, 'field', /one of value, sum/],
  ])('refuses %s on its own route', (query, spec, name, message) => {
    const error = refusal(query, spec);
    expect(error.parameter).toBe(name);
    expect(error.message).toMatch(message);
  });

  it('names a required parameter that is missing', () => {
    const error = refusal('name=latency', AGGREGATE_PARAMS, ['name', 'aggregation', 'bucket']);
    expect(error.parameter).toBe('aggregation');
    expect(error.message).toBe('parameter aggregation is required');
  });
});
