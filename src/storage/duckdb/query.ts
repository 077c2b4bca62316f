import type { Signal } from '../../records/types';
import { jsonPointer } from '../../records/primitives';
import { renderConjunction, type ColumnPredicateOp, type Predicate, type PredicateOf } from '../filters';
import { encodeTypedValue } from '../typed-json';
import { physicalColumn } from './schema';

/**
 * A bound parameter. Plain values only, because queries travel to the engine's worker thread; an
 * array binds as a `VARCHAR[]` list.
 */
export type SqlValue = string | number | bigint | boolean | null | string[];

/** The parameters of one statement, bound positionally (`$1`, `$2`, …): only column names are written into the SQL. */
export class Params {
  readonly values: SqlValue[] = [];

  /** Binds a value and returns its placeholder. */
  bind(value: SqlValue): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

type Render<Op extends ColumnPredicateOp> = (predicate: PredicateOf<Op>, column: string, params: Params) => string;

/** The DuckDB SQL of each neutral predicate. */
const RENDER: { [Op in ColumnPredicateOp]: Render<Op> } = {
  equals: ({ value }, column, params) => `${column} = ${params.bind(value)}`,
  flag: ({ value }, column, params) => `${column} = ${params.bind(value)}`,
  in: ({ values }, column, params) => `list_contains(${params.bind([...values])}, ${column})`,
  hasAll: ({ values }, column, params) => `list_has_all(${column}, ${params.bind([...values])})`,
  containsIgnoreCase: ({ text }, column, params) => `strpos(lower(${column}), lower(${params.bind(text)})) > 0`,
  attributeEquals: ({ key, value }, column, params) =>
    `json_extract(${column}, ${params.bind(jsonPointer(key))})::VARCHAR = ${params.bind(encodeTypedValue(value))}`,
  timeRange: ({ from, to }, column, params) =>
    [
      ...(from === null ? [] : [`${column} >= ${params.bind(from)}`]),
      ...(to === null ? [] : [`${column} < ${params.bind(to)}`]),
    ].join(' AND '),
  isNull: (_predicate, column) => `${column} IS NULL`,
  isNotNull: (_predicate, column) => `${column} IS NOT NULL`,
};

function renderColumn<Op extends ColumnPredicateOp>(
  signal: Signal,
  predicate: PredicateOf<Op>,
  params: Params,
): string {
  return (RENDER[predicate.op] as Render<Op>)(predicate, physicalColumn(signal, predicate.column), params);
}

/** The WHERE clause of a signal's predicates, its values bound in `params`; empty when there are none. */
export function where(signal: Signal, predicates: readonly Predicate[], params: Params): string {
  if (predicates.length === 0) return '';
  return `WHERE ${renderConjunction(predicates, (predicate) => renderColumn(signal, predicate, params), 'FALSE')}`;
}
