/**
 * Mastra's exported observability objects to records: pure functions, sharing the agent-field
 * derivation and the record builders of the OpenTelemetry paths.
 */
export { spanFromMastra, type MastraSpanOptions } from './spans';
export { logFromMastra, metricFromMastra, scoreFromMastra, feedbackFromMastra } from './signals';
export type * from './types';
