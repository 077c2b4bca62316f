import { CONTEXT_FIELDS } from '../../records/types';
import type { AttributeValue } from '../../records/types';
import { admittedLevels, toUnixNano } from '../base';
import { snakeCase } from '../columns';
import { encodeTypedValue } from '../typed-json';
import type { CommonFilter, FeedbackFilter, LogFilter, MetricFilter, ScoreFilter, TraceFilter } from '../types';

/**
 * A bound parameter. Plain values only, because queries travel to the engine's worker thread; an
 * array binds as a `VARCHAR[]` list.
 */
export type SqlValue = string | number | bigint | boolean | null | string[];

/** A WHERE clause whose values are all bound as parameters; only column names are written into the SQL. */
export class Where {
  private readonly conditions: string[] = [];
  readonly params: SqlValue[] = [];

  /** Binds a value and returns its placeholder. */
  bind(value: SqlValue): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  add(condition: string): this {
    this.conditions.push(condition);
    return this;
  }

  equals(column: string, value: string | bigint | number | undefined): this {
    return value === undefined ? this : this.add(`${column} = ${this.bind(value)}`);
  }

  oneOf(column: string, values: readonly string[] | undefined): this {
    return values === undefined ? this : this.add(`list_contains(${this.bind([...values])}, ${column})`);
  }

  get sql(): string {
    return this.conditions.length === 0 ? '' : `WHERE ${this.conditions.join(' AND ')}`;
  }
}

/** JSON pointer to a top-level key, escaped as RFC 6901 says. */
export function jsonPointer(key: string): string {
  return `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** The condition that a typed-JSON map holds `key` with exactly `value`. */
export function attributeEquals(where: Where, column: string, key: string, value: AttributeValue): string {
  return `json_extract(${column}, ${where.bind(jsonPointer(key))})::VARCHAR = ${where.bind(encodeTypedValue(value))}`;
}

export function commonWhere(filter: CommonFilter, timeColumn: string): Where {
  const where = new Where();
  if (filter.from !== undefined) where.add(`${timeColumn} >= ${where.bind(toUnixNano(filter.from))}`);
  if (filter.to !== undefined) where.add(`${timeColumn} < ${where.bind(toUnixNano(filter.to))}`);
  where.equals('service_name', filter.serviceName).equals('trace_id', filter.traceId);
  for (const field of CONTEXT_FIELDS) where.equals(snakeCase(field), filter[field]);
  return where;
}

export function traceWhere(filter: TraceFilter): Where {
  const where = commonWhere(filter, 'start_time_unix_nano').add('parent_span_id IS NULL');
  where.equals('span_type', filter.spanType).equals('name', filter.name).equals('status_code', filter.statusCode);
  if (filter.nameContains !== undefined)
    where.add(`strpos(lower(name), lower(${where.bind(filter.nameContains)})) > 0`);
  if (filter.hasError !== undefined) where.add(filter.hasError ? 'error IS NOT NULL' : 'error IS NULL');
  if (filter.tags !== undefined && filter.tags.length > 0)
    where.add(`list_has_all(tags, ${where.bind([...filter.tags])})`);
  return where;
}

export function logWhere(filter: LogFilter): Where {
  const where = commonWhere(filter, 'time_unix_nano').equals('span_id', filter.spanId);
  where.oneOf('level', admittedLevels(filter) ?? undefined);
  if (filter.search !== undefined) where.add(`strpos(lower(message), lower(${where.bind(filter.search)})) > 0`);
  return where;
}

export function metricWhere(filter: Omit<MetricFilter, 'name'> & { name?: string | string[] }): Where {
  const where = commonWhere(filter, 'time_unix_nano').equals('type', filter.type);
  if (filter.name !== undefined) where.oneOf('name', [filter.name].flat());
  for (const [key, value] of Object.entries(filter.attributes ?? {})) {
    where.add(attributeEquals(where, 'attributes', key, value));
  }
  return where;
}

export function scoreWhere(filter: ScoreFilter): Where {
  return commonWhere(filter, 'time_unix_nano')
    .equals('scorer_id', filter.scorerId)
    .equals('scorer_name', filter.scorerName)
    .equals('source', filter.source)
    .equals('span_id', filter.spanId);
}

export function feedbackWhere(filter: FeedbackFilter): Where {
  return commonWhere(filter, 'time_unix_nano')
    .equals('feedback_type', filter.feedbackType)
    .equals('source', filter.source)
    .equals('span_id', filter.spanId);
}
