import { SPAN_ID_PATTERN, TRACE_ID_PATTERN } from '../records/primitives';
import { CONTEXT_FIELDS, LOG_LEVELS, METRIC_TYPES, SCORE_SOURCES, SPAN_TYPES, STATUS_CODES } from '../records/types';
import { reviveTypedMap } from '../storage/typed-json';
import {
  MAX_PAGE,
  MAX_PER_PAGE,
  METRIC_AGGREGATE_FIELDS,
  SPEND_GROUP_BYS,
  METRIC_AGGREGATIONS,
  TRACE_ORDER_BYS,
  type ListArgs,
  type PageRequest,
  type TraceOrderBy,
} from '../storage/types';
import { ApiError } from './errors';

/**
 * Query parameters: each route declares the ones it reads, with the key of the store argument each
 * one fills. A parameter that is unknown, repeated when it may not be, empty or malformed gets a 400
 * that names it.
 */

/** Why one raw value cannot be read; the parser of the query adds the parameter's name. */
class Malformed extends Error {}

/** One parameter: the store argument it fills, and how one raw value becomes that argument. */
export interface Param {
  key: string;
  /** Given more than once, its values make a list; otherwise a repeat is an error. */
  repeatable: boolean;
  /** Throws {@link Malformed} when the value cannot be read. */
  parse: (raw: string) => unknown;
}

export type ParamSpec = Record<string, Param>;

const one =
  (parse: (raw: string) => unknown) =>
  (key: string): Param => ({ key, repeatable: false, parse });
const many =
  (parse: (raw: string) => unknown) =>
  (key: string): Param => ({ key, repeatable: true, parse });

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * A time: RFC 3339 with up to nine fractional digits (`2026-01-02T03:04:05.123456789Z`, or with an
 * offset), or nanoseconds since the epoch.
 */
export function parseTime(raw: string): bigint {
  if (/^\d+$/.test(raw)) return BigInt(raw);
  const match = RFC3339.exec(raw);
  if (!match)
    throw new Malformed('must be an RFC 3339 time (2026-01-02T03:04:05.123456789Z) or nanoseconds since the epoch');
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [fraction = '', , sign, offsetHours, offsetMinutes] = match.slice(7);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(ms);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59)
    throw new Malformed(`is not a real date and time: ${JSON.stringify(raw)}`);
  const offset = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes));
  return BigInt(ms - offset * 60_000) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
}

const DURATION_UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
};

/** A whole number with an optional unit: what {@link parseDuration} reads. */
export const DURATION = /^(\d+)(ns|us|µs|ms|s|m|h|d)?$/;

/** A positive duration: a whole number with a unit (`500ms`, `10s`, `5m`, `1h`, `1d`), or nanoseconds. */
export function parseDuration(raw: string): bigint {
  const match = DURATION.exec(raw);
  if (!match) throw new Malformed('must be a duration such as 500ms, 10s, 5m, 1h or 1d, or a number of nanoseconds');
  const nanoseconds = BigInt(match[1]!) * DURATION_UNITS[match[2] ?? 'ns']!;
  if (nanoseconds <= 0n) throw new Malformed('must be longer than zero');
  return nanoseconds;
}

function integer(min: number, max: number) {
  return (raw: string): number => {
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max)
      throw new Malformed(`must be a whole number from ${min} to ${max}`);
    return value;
  };
}

function oneOf(values: readonly string[]) {
  return (raw: string): string => {
    if (!values.includes(raw)) throw new Malformed(`must be one of ${values.join(', ')}`);
    return raw;
  };
}

/** An id in the records' format; upper-case hex digits are read as lower-case. */
function hexId(pattern: RegExp, digits: number) {
  return (raw: string): string => {
    const id = raw.toLowerCase();
    if (!pattern.test(id)) throw new Malformed(`must be ${digits} hex digits`);
    return id;
  };
}

function typedMap(raw: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Malformed(`is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Malformed('must be a JSON object of typed values, such as {"http.route":"/a","http.status_code":200}');
  try {
    return reviveTypedMap(parsed as Record<string, unknown>);
  } catch (error) {
    throw new Malformed(`is not typed JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A number >= 0, such as a cost in USD (`0.05`). */
const amount = (raw: string): number => {
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value)) throw new Malformed('must be a number >= 0, such as 0.05');
  return value;
};

const boolean = (raw: string): boolean => {
  if (raw !== 'true' && raw !== 'false') throw new Malformed('must be true or false');
  return raw === 'true';
};

export const text = one((raw) => raw);
export const texts = many((raw) => raw);
export const time = one(parseTime);
export const duration = one(parseDuration);
export const flag = one(boolean);
export const choice = (values: readonly string[]) => one(oneOf(values));
export const choices = (values: readonly string[]) => many(oneOf(values));
export const traceIdParam = one(hexId(TRACE_ID_PATTERN, 32));
export const spanIdParam = one(hexId(SPAN_ID_PATTERN, 16));
export const attributes = one(typedMap);

/** `page`, `perPage` and `order`, as every list has them. */
export const PAGE: ParamSpec = {
  page: one(integer(0, MAX_PAGE))('page'),
  perPage: one(integer(1, MAX_PER_PAGE))('perPage'),
  order: choice(['asc', 'desc'])('order'),
};

/** `from`, `to`: the time range. */
export const RANGE: ParamSpec = { from: time('from'), to: time('to') };

/** The filters every list has: time range, service, trace and the context fields. */
export const COMMON: ParamSpec = {
  ...RANGE,
  service: text('serviceName'),
  traceId: traceIdParam('traceId'),
  ...Object.fromEntries(CONTEXT_FIELDS.map((field) => [field, text(field)])),
};

export const TRACE_PARAMS: ParamSpec = {
  ...COMMON,
  ...PAGE,
  spanType: choice(SPAN_TYPES)('spanType'),
  name: text('name'),
  nameContains: text('nameContains'),
  status: choice(STATUS_CODES)('statusCode'),
  hasError: flag('hasError'),
  anyError: flag('anyError'),
  tags: texts('tags'),
  minCost: one(amount)('minCost'),
  orderBy: choice(TRACE_ORDER_BYS)('orderBy'),
};

export const LOG_PARAMS: ParamSpec = {
  ...COMMON,
  ...PAGE,
  level: choices(LOG_LEVELS)('level'),
  minLevel: choice(LOG_LEVELS)('minLevel'),
  search: text('search'),
  spanId: spanIdParam('spanId'),
};

const METRIC_FILTERS: ParamSpec = {
  ...COMMON,
  type: choice(METRIC_TYPES)('type'),
  attributes: attributes('attributes'),
};

export const METRIC_PARAMS: ParamSpec = { ...METRIC_FILTERS, ...PAGE, name: texts('name') };

export const AGGREGATE_PARAMS: ParamSpec = {
  ...METRIC_FILTERS,
  name: text('name'),
  aggregation: choice(METRIC_AGGREGATIONS)('aggregation'),
  bucket: duration('bucketSizeNano'),
  field: choice(METRIC_AGGREGATE_FIELDS)('field'),
  groupBy: texts('groupBy'),
};

/** `GET /api/v1/spend`: `from` and `bucket` are required; `to` is now unless given. */
export const SPEND_PARAMS: ParamSpec = {
  ...COMMON,
  model: text('model'),
  provider: text('provider'),
  bucket: duration('bucketSizeNano'),
  groupBy: choice(SPEND_GROUP_BYS)('groupBy'),
};

export const SCORE_PARAMS: ParamSpec = {
  ...COMMON,
  ...PAGE,
  scorerId: text('scorerId'),
  scorerName: text('scorerName'),
  source: choice(SCORE_SOURCES)('source'),
  spanId: spanIdParam('spanId'),
};

export const FEEDBACK_PARAMS: ParamSpec = {
  ...COMMON,
  ...PAGE,
  feedbackType: text('feedbackType'),
  source: text('source'),
  spanId: spanIdParam('spanId'),
};

/**
 * Reads the query by a spec, into an object keyed by store argument. `required` names parameters
 * that must be present.
 */
export function parseQuery(
  query: URLSearchParams,
  spec: ParamSpec,
  required: readonly string[] = [],
): Record<string, unknown> {
  const parsed: Record<string, unknown> = {};
  for (const name of new Set(query.keys())) {
    const param = spec[name];
    if (!param) {
      const known = Object.keys(spec);
      throw ApiError.parameter(
        name,
        `is not known here; the parameters are ${known.length > 0 ? known.join(', ') : 'none'}`,
      );
    }
    const values = query.getAll(name);
    if (values.length > 1 && !param.repeatable) throw ApiError.parameter(name, 'is given more than once');
    const items = values.map((raw) => {
      if (raw === '') throw ApiError.parameter(name, 'is empty; leave it out to not filter on it');
      try {
        return param.parse(raw);
      } catch (error) {
        if (!(error instanceof Malformed)) throw error;
        throw ApiError.parameter(name, `${error.message}, got ${JSON.stringify(raw)}`);
      }
    });
    parsed[param.key] = param.repeatable ? items : items[0];
  }
  for (const name of required) {
    if (parsed[spec[name]!.key] === undefined) throw ApiError.parameter(name, 'is required');
  }
  return parsed;
}

/**
 * Splits `page`, `perPage`, `order` and (traces only) `orderBy` from the filter; the store applies the defaults of
 * those left out.
 */
export function listArgs(
  parsed: Record<string, unknown>,
): ListArgs<Record<string, unknown>> & { orderBy?: TraceOrderBy } {
  const { page, perPage, order, orderBy, ...filter } = parsed as PageRequest & {
    orderBy?: TraceOrderBy;
  } & Record<string, unknown>;
  return { page, perPage, order, ...(orderBy === undefined ? {} : { orderBy }), filter };
}
