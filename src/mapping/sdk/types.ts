/**
 * The OpenTelemetry JS SDK objects that otel-bridge reads, declared here with only the fields it
 * reads. The SDK's own types (`ReadableSpan`, `ReadableLogRecord`, `ResourceMetrics` and the exporter
 * interfaces, of `@opentelemetry/sdk-trace-base` / `sdk-trace`, `sdk-logs` and `sdk-metrics`) are
 * assignable to them on both the 2.x and the 3.x line, so that our published types import no
 * `@opentelemetry/*` package and fit whichever line an app has.
 */

/** `[seconds, nanoseconds]`, as the OpenTelemetry API keeps times. */
export type HrTime = [number, number];

/** Attributes as the SDK holds them: values are checked and typed when a record is built. */
export type SdkAttributes = Record<string, unknown>;

/** `SpanContext`: the ids, flags and trace state that identify a span. */
export interface SdkSpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
  traceState?: { serialize(): string };
}

/** `Resource`: the attributes of the entity (service, host, …) that produced the telemetry. */
export interface SdkResource {
  attributes: SdkAttributes;
  schemaUrl?: string;
}

/** `InstrumentationScope`: the library that produced the telemetry. */
export interface SdkScope {
  name: string;
  version?: string;
  schemaUrl?: string;
  attributes?: SdkAttributes;
  droppedAttributesCount?: number;
}

/** `ReadableSpan`: a finished span. */
export interface SdkReadableSpan {
  readonly name: string;
  /** API values: INTERNAL 0, SERVER 1, CLIENT 2, PRODUCER 3, CONSUMER 4. */
  readonly kind: number;
  spanContext(): SdkSpanContext;
  readonly parentSpanContext?: SdkSpanContext;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  /** UNSET 0, OK 1, ERROR 2. */
  readonly status: { code: number; message?: string };
  readonly attributes: SdkAttributes;
  readonly links: readonly { context: SdkSpanContext; attributes?: SdkAttributes; droppedAttributesCount?: number }[];
  readonly events: readonly {
    time: HrTime;
    name: string;
    attributes?: SdkAttributes;
    droppedAttributesCount?: number;
  }[];
  readonly resource: SdkResource;
  readonly instrumentationScope: SdkScope;
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  readonly droppedLinksCount: number;
}

/** `ReadableLogRecord`. */
export interface SdkReadableLogRecord {
  readonly hrTime: HrTime;
  readonly hrTimeObserved: HrTime;
  readonly spanContext?: SdkSpanContext;
  readonly severityText?: string;
  readonly severityNumber?: number;
  readonly body?: unknown;
  readonly eventName?: string;
  readonly resource: SdkResource;
  readonly instrumentationScope: SdkScope;
  readonly attributes: SdkAttributes;
  readonly droppedAttributesCount: number;
}

/** `Histogram`: the value of a histogram data point, with explicit bucket boundaries. */
export interface SdkHistogram {
  buckets: { boundaries: readonly number[]; counts: readonly number[] };
  sum?: number;
  count: number;
  min?: number;
  max?: number;
}

/** `ExponentialHistogram`: the value of an exponential histogram data point. */
export interface SdkExponentialHistogram {
  count: number;
  sum?: number;
  scale: number;
  zeroCount: number;
  positive: { offset: number; bucketCounts: readonly number[] };
  negative: { offset: number; bucketCounts: readonly number[] };
  min?: number;
  max?: number;
}

/** `DataPoint`: one point of a metric; its value's shape follows the metric's data point type. */
export interface SdkDataPoint {
  startTime: HrTime;
  endTime: HrTime;
  attributes: SdkAttributes;
  value: number | SdkHistogram | SdkExponentialHistogram;
}

/** `MetricData`: one instrument's points of one collection. */
export interface SdkMetricData {
  descriptor: { name: string; description: string; unit: string; /** INT 0, DOUBLE 1. */ valueType: number };
  /** HISTOGRAM 0, EXPONENTIAL_HISTOGRAM 1, GAUGE 2, SUM 3. */
  dataPointType: number;
  /** DELTA 0, CUMULATIVE 1. */
  aggregationTemporality: number;
  isMonotonic?: boolean;
  dataPoints: readonly SdkDataPoint[];
}

/** `ResourceMetrics`: one collection. */
export interface SdkResourceMetrics {
  resource: SdkResource;
  scopeMetrics: readonly { scope: SdkScope; metrics: readonly SdkMetricData[] }[];
}

/** `ExportResult` of `@opentelemetry/core`: `code` SUCCESS 0, FAILED 1. */
export interface ExportResult {
  code: number;
  error?: Error;
}

/** `SpanExporter`. */
export interface SdkSpanExporter {
  export(spans: SdkReadableSpan[], resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

/** `LogRecordExporter`. */
export interface SdkLogRecordExporter {
  export(logs: SdkReadableLogRecord[], resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
}

/** `PushMetricExporter`. */
export interface SdkPushMetricExporter {
  export(metrics: SdkResourceMetrics, resultCallback: (result: ExportResult) => void): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
  /** `instrumentType` is an `InstrumentType` (`COUNTER`, `HISTOGRAM`, …); the answer an `AggregationTemporality`. */
  selectAggregationTemporality?(instrumentType: string): number;
}
