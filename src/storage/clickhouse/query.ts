import { CONTEXT_FIELDS, type AttributeValue } from '../../records/types';
import { admittedLevels, toUnixNano } from '../base';
import { snakeCase } from '../columns';
import { encodeTypedValue } from '../typed-json';
import { timeColumn, type ClickHouseSchema } from './schema';
import type { CommonFilter, FeedbackFilter, LogFilter, MetricFilter, ScoreFilter, TraceFilter } from '../types';

/**
 * A WHERE clause whose values are all bound as ClickHouse query parameters (`{p0:String}`); only
 * column names, which come from the schema, are written into the SQL.
 */
export class Where {
  private readonly conditions: string[] = [];
  readonly params: Record<string, unknown> = {};
  private count = 0;

  /** Binds a value of a ClickHouse type and returns its placeholder. */
  bind(value: unknown, type: string): string {
    const name = `p${this.count++}`;
    this.params[name] = value;
    return `{${name}:${type}}`;
  }

  add(condition: string): this {
    this.conditions.push(condition);
    return this;
  }

  equals(column: string, value: string | undefined): this {
    return value === undefined ? this : this.add(`${column} = ${this.bind(value, 'String')}`);
  }

  oneOf(column: string, values: readonly string[] | undefined): this {
    return values === undefined ? this : this.add(`has(${this.bind(values, 'Array(String)')}, ${column})`);
  }

  get sql(): string {
    return this.conditions.length === 0 ? '' : `WHERE ${this.conditions.join(' AND ')}`;
  }
}

/**
 * The condition that the attribute map holds `key` with exactly the typed `value`. ClickHouse
 * re-serializes each value when it splits the attribute JSON into the map, so the bound typed JSON
 * goes through the same serializer (`JSONExtractRaw`) before the comparison.
 */
function attributeEquals(where: Where, key: string, value: AttributeValue): string {
  return `attributes_map[${where.bind(key, 'String')}] = JSONExtractRaw(${where.bind(encodeTypedValue(value), 'String')})`;
}

/** The value of one attribute as typed JSON text, or `NULL` when the row lacks the key. */
export function attributeOrNull(where: Where, key: string): string {
  const bound = where.bind(key, 'String');
  return `if(mapContains(attributes_map, ${bound}), attributes_map[${bound}], NULL)`;
}

export function commonWhere(filter: CommonFilter, time: string): Where {
  const where = new Where();
  // Bounds stay constants beside the bare column, so the partition key and the primary key prune.
  if (filter.from !== undefined)
    where.add(`${time} >= fromUnixTimestamp64Nano(${where.bind(toUnixNano(filter.from), 'Int64')}, 'UTC')`);
  if (filter.to !== undefined)
    where.add(`${time} < fromUnixTimestamp64Nano(${where.bind(toUnixNano(filter.to), 'Int64')}, 'UTC')`);
  where.equals('service_name', filter.serviceName).equals('trace_id', filter.traceId);
  for (const field of CONTEXT_FIELDS) where.equals(snakeCase(field), filter[field]);
  return where;
}

/** A LIKE pattern that matches `text` literally anywhere. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (special) => `\\${special}`)}%`;
}

export function traceWhere(filter: TraceFilter): Where {
  const where = commonWhere(filter, timeColumn('spans')).add('parent_span_id IS NULL');
  where.equals('span_type', filter.spanType).equals('name', filter.name).equals('status_code', filter.statusCode);
  if (filter.nameContains !== undefined)
    where.add(`lowerUTF8(name) LIKE lowerUTF8(${where.bind(containsPattern(filter.nameContains), 'String')})`);
  if (filter.hasError !== undefined) where.add(filter.hasError ? 'error IS NOT NULL' : 'error IS NULL');
  if (filter.tags !== undefined) where.add(`hasAll(tags, ${where.bind(filter.tags, 'Array(String)')})`);
  return where;
}

export function logWhere(filter: LogFilter): Where {
  const where = commonWhere(filter, timeColumn('logs')).equals('span_id', filter.spanId);
  where.oneOf('level', admittedLevels(filter) ?? undefined);
  if (filter.search !== undefined) {
    // The same expression as the n-gram index, so that the index applies.
    where.add(`lowerUTF8(message) LIKE lowerUTF8(${where.bind(containsPattern(filter.search), 'String')})`);
  }
  return where;
}

export function metricWhere(filter: Omit<MetricFilter, 'name'> & { name?: string | string[] }): Where {
  const where = commonWhere(filter, timeColumn('metrics'));
  if (filter.type !== undefined) where.equals('type', filter.type);
  if (filter.name !== undefined) where.oneOf('name', [filter.name].flat());
  for (const [key, value] of Object.entries(filter.attributes ?? {})) where.add(attributeEquals(where, key, value));
  return where;
}

export function scoreWhere(filter: ScoreFilter): Where {
  return commonWhere(filter, timeColumn('scores'))
    .equals('scorer_id', filter.scorerId)
    .equals('scorer_name', filter.scorerName)
    .equals('source', filter.source)
    .equals('span_id', filter.spanId);
}

export function feedbackWhere(filter: FeedbackFilter): Where {
  return commonWhere(filter, timeColumn('feedback'))
    .equals('feedback_type', filter.feedbackType)
    .equals('source', filter.source)
    .equals('span_id', filter.spanId);
}

/**
 * The spans of one trace. The side table's range for the trace becomes constants before the span
 * table is read, so only the partitions and granules of that range are read. No FINAL: getTrace
 * drops repeated spans itself.
 */
export function traceSpansQuery(
  schema: ClickHouseSchema,
  select: string,
  traceId: string,
): { sql: string; params: Record<string, unknown> } {
  const where = new Where();
  const id = where.bind(traceId, 'String');
  const sql = `WITH (SELECT (min(start_min), max(start_max)) FROM ${schema.traceRangesTable()} WHERE trace_id = ${id}) AS bounds
SELECT ${select} FROM ${schema.table('spans')}
WHERE trace_id = ${id} AND start_time BETWEEN bounds.1 AND bounds.2`;
  return { sql, params: where.params };
}
