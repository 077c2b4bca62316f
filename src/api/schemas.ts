import { Type, type Static } from '@sinclair/typebox';
import {
  AttributeMapSchema,
  DoubleSchema,
  FeedbackRecordSchema,
  LogRecordSchema,
  MetricRecordSchema,
  ScoreRecordSchema,
  SpanRecordSchema,
  literals,
  nullable,
  type Assert,
  type Same,
} from '../records/schemas';
import { METRIC_TYPES } from '../records/types';
import { SPEND_GROUP_BYS } from '../storage/types';
import type { MetricAggregateResult, MetricDescriptor, Pagination, SpendResult, TraceSummary } from '../storage/types';

/**
 * The bodies the HTTP API answers with, as schemas: the record codec encodes each by them, and the
 * compile-time checks at the end keep them equal to the store's own result types.
 */

export const PaginationSchema = Type.Object({
  total: Type.Integer(),
  totalExact: Type.Boolean(),
  page: Type.Integer(),
  perPage: Type.Integer(),
  hasMore: Type.Boolean(),
});

const span = SpanRecordSchema.properties;

export const TraceTotalsSchema = Type.Object({
  startTimeUnixNano: span.startTimeUnixNano,
  endTimeUnixNano: span.endTimeUnixNano,
  durationNano: span.durationNano,
  spanCount: Type.Integer({ minimum: 0 }),
  errorCount: Type.Integer({ minimum: 0 }),
  inputTokens: span.inputTokens,
  outputTokens: span.outputTokens,
  totalTokens: span.totalTokens,
  cost: span.totalCost,
});

export const TraceSummarySchema = Type.Object({
  ...Type.Omit(SpanRecordSchema, ['input', 'output', 'attributes', 'events', 'links', 'metadata', 'resource', 'scope'])
    .properties,
  inputPreview: nullable(Type.String()),
  hasRoot: Type.Boolean(),
  trace: TraceTotalsSchema,
});

export const TraceListSchema = Type.Object({ pagination: PaginationSchema, traces: Type.Array(TraceSummarySchema) });
export const LogListSchema = Type.Object({ pagination: PaginationSchema, logs: Type.Array(LogRecordSchema) });
export const MetricListSchema = Type.Object({ pagination: PaginationSchema, metrics: Type.Array(MetricRecordSchema) });
export const ScoreListSchema = Type.Object({ pagination: PaginationSchema, scores: Type.Array(ScoreRecordSchema) });
export const FeedbackListSchema = Type.Object({
  pagination: PaginationSchema,
  feedback: Type.Array(FeedbackRecordSchema),
});

/**
 * One trace as a viewer shows it: every span, and the scores, feedback and logs that name the
 * trace, each in time order. Each of the three holds at most one page of a list (1000); `hasMore`
 * says when the rest is to be read from its list with `traceId` and `page`.
 */
export const TraceViewSchema = Type.Object({
  traceId: Type.String(),
  spans: Type.Array(SpanRecordSchema),
  scores: Type.Array(ScoreRecordSchema),
  feedback: Type.Array(FeedbackRecordSchema),
  logs: Type.Array(LogRecordSchema),
  hasMore: Type.Object({ scores: Type.Boolean(), feedback: Type.Boolean(), logs: Type.Boolean() }),
});
/** One trace as the viewer shows it (`GET /api/v1/traces/{traceId}`): see `TraceViewSchema`. */
export type TraceView = Static<typeof TraceViewSchema>;

export const MetricAggregateSchema = Type.Object({
  series: Type.Array(
    Type.Object({
      group: AttributeMapSchema,
      points: Type.Array(Type.Object({ timeUnixNano: Type.BigInt(), value: DoubleSchema })),
    }),
  ),
});

const COST_SUM = nullable(DoubleSchema);
const TOKEN_SUM = nullable(Type.Number());

/** `GET /api/v1/spend` (`aggregateSpend`): cost, tokens and model calls per bucket, one series per group. */
export const SpendSchema = Type.Object({
  groupBy: nullable(literals(SPEND_GROUP_BYS)),
  series: Type.Array(
    Type.Object({
      group: nullable(Type.String()),
      points: Type.Array(
        Type.Object({
          timeUnixNano: Type.BigInt(),
          calls: Type.Integer(),
          unpricedCalls: Type.Integer(),
          inputCost: COST_SUM,
          outputCost: COST_SUM,
          totalCost: COST_SUM,
          inputTokens: TOKEN_SUM,
          outputTokens: TOKEN_SUM,
          totalTokens: TOKEN_SUM,
        }),
      ),
    }),
  ),
  calls: Type.Integer(),
  unpricedCalls: Type.Integer(),
  totalCost: COST_SUM,
});

export const ServicesSchema = Type.Object({ services: Type.Array(Type.String()) });

export const MetricDescriptorSchema = Type.Object({
  name: Type.String(),
  type: literals(METRIC_TYPES),
  unit: Type.String(),
});
export const MetricDescriptorsSchema = Type.Object({ metrics: Type.Array(MetricDescriptorSchema) });

/** What `POST /v1/scores` and `POST /v1/feedback` answer: the records as stored, ids and times included. */
export const ScoresWrittenSchema = Type.Object({ scores: Type.Array(ScoreRecordSchema) });
export const FeedbackWrittenSchema = Type.Object({ feedback: Type.Array(FeedbackRecordSchema) });

/** Fails to compile when a schema and the store's type drift apart. */
export type ApiSchemasMatchTypes = [
  Assert<Same<Static<typeof PaginationSchema>, Pagination>>,
  Assert<Same<Static<typeof TraceSummarySchema>, TraceSummary>>,
  Assert<Same<Static<typeof MetricAggregateSchema>, MetricAggregateResult>>,
  Assert<Same<Static<typeof MetricDescriptorSchema>, MetricDescriptor>>,
  Assert<Same<Static<typeof SpendSchema>, SpendResult>>,
];
