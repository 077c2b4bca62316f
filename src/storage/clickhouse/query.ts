import { encodeTypedValue } from '../typed-json';
import { renderConjunction, type ColumnPredicateOp, type Predicate, type PredicateOf } from '../filters';
import { ATTRIBUTES_MAP, type ClickHouseSchema } from './schema';

/**
 * The parameters of one statement, bound as ClickHouse query parameters (`{p0:String}`): only
 * column names, which come from the schema, are written into the SQL.
 */
export class Params {
  readonly values: Record<string, unknown> = {};
  private count = 0;

  /** Binds a value of a ClickHouse type and returns its placeholder. */
  bind(value: unknown, type: string): string {
    const name = `p${this.count++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

/** A LIKE pattern that matches `text` literally anywhere. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (special) => `\\${special}`)}%`;
}

/** The server-materialised string map that attribute filters read (see `schema.ts`). */
function attributeMap(column: string): string {
  if (column !== 'attributes') throw new Error(`ClickHouse keeps a string map of attributes only, not of ${column}`);
  return ATTRIBUTES_MAP;
}

/** The value of one attribute as typed JSON text, or `NULL` when the row lacks the key. */
export function attributeOrNull(params: Params, key: string): string {
  const bound = params.bind(key, 'String');
  return `if(mapContains(${ATTRIBUTES_MAP}, ${bound}), ${ATTRIBUTES_MAP}[${bound}], NULL)`;
}

type Render<Op extends ColumnPredicateOp> = (predicate: PredicateOf<Op>, params: Params) => string;

/** The ClickHouse SQL of each neutral predicate. */
const RENDER: { [Op in ColumnPredicateOp]: Render<Op> } = {
  equals: ({ column, value }, params) => `${column} = ${params.bind(value, 'String')}`,
  flag: ({ column, value }, params) => `${column} = ${params.bind(value, 'Bool')}`,
  in: ({ column, values }, params) => `has(${params.bind(values, 'Array(String)')}, ${column})`,
  hasAll: ({ column, values }, params) => `hasAll(${column}, ${params.bind(values, 'Array(String)')})`,
  // The same expression as the n-gram index, so that the index applies.
  containsIgnoreCase: ({ column, text }, params) =>
    `lowerUTF8(${column}) LIKE lowerUTF8(${params.bind(containsPattern(text), 'String')})`,
  // ClickHouse re-serializes each value when it splits the attribute JSON into the map, so the bound
  // typed JSON goes through the same serializer (`JSONExtractRaw`) before the comparison.
  attributeEquals: ({ column, key, value }, params) =>
    `${attributeMap(column)}[${params.bind(key, 'String')}] = ` +
    `JSONExtractRaw(${params.bind(encodeTypedValue(value), 'String')})`,
  // Bounds stay constants beside the bare column, so the partition key and the primary key prune.
  timeRange: ({ column, from, to }, params) =>
    [
      ...(from === null ? [] : [`${column} >= fromUnixTimestamp64Nano(${params.bind(from, 'Int64')}, 'UTC')`]),
      ...(to === null ? [] : [`${column} < fromUnixTimestamp64Nano(${params.bind(to, 'Int64')}, 'UTC')`]),
    ].join(' AND '),
  isNull: ({ column }) => `${column} IS NULL`,
  isNotNull: ({ column }) => `${column} IS NOT NULL`,
};

const renderColumn = <Op extends ColumnPredicateOp>(predicate: PredicateOf<Op>, params: Params): string =>
  (RENDER[predicate.op] as Render<Op>)(predicate, params);

/** The condition that every predicate holds, its values bound in `params`; `true` when there are none. */
export function condition(predicates: readonly Predicate[], params: Params): string {
  if (predicates.length === 0) return 'true';
  return renderConjunction(predicates, (predicate) => renderColumn(predicate, params), 'false');
}

/** The WHERE clause of predicates, its values bound in `params`; empty when there are none. */
export function where(predicates: readonly Predicate[], params: Params): string {
  return predicates.length === 0 ? '' : `WHERE ${condition(predicates, params)}`;
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
  const params = new Params();
  const id = params.bind(traceId, 'String');
  const sql = `WITH (SELECT (min(start_min), max(start_max)) FROM ${schema.traceRangesTable()} WHERE trace_id = ${id}) AS bounds
SELECT ${select} FROM ${schema.table('spans')}
WHERE trace_id = ${id} AND start_time BETWEEN bounds.1 AND bounds.2`;
  return { sql, params: params.values };
}
