import { decodeMetrics, decodeTraces, type DecodeMeter, type OtlpEncoding } from '../../../src/mapping/otlp';
import { METER_STEP } from '../../../src/mapping/otlp/assembly';
import { GRPC_CODE, IngestError } from '../../../src/receiver/errors';
import {
  DECODED_SHARE,
  JSON_CONTAINER_BYTES,
  MemoryBudget,
  RECORD_BYTES,
  admissionLine,
} from '../../../src/receiver/memory';
import { concat, fixed64Field, hexField, messageField, otlp, stringField } from '../../support/otlp-wire';

/** Each way a decoder is metered, as a meter that only counts. */
function countingMeter(): DecodeMeter & { recordCount: number; containerCount: number } {
  return {
    recordCount: 0,
    containerCount: 0,
    records(count) {
      this.recordCount += count;
    },
    jsonContainers(count) {
      this.containerCount += count;
    },
  };
}

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const spanId = (index: number) => (index + 1).toString(16).padStart(16, '0');

function spansProtobuf(count: number, resourceLast = false): Buffer {
  const spans = Array.from({ length: count }, (_, index) =>
    messageField(2, concat(hexField(1, TRACE_ID), hexField(2, spanId(index)), stringField(5, 's'))),
  );
  const resource = messageField(1, otlp.resource(otlp.keyValue('service.name', otlp.string('svc'))));
  const scopeGroup = messageField(2, ...spans);
  // ResourceSpans with its resource (field 1) before or after its scope group (field 2).
  return Buffer.from(messageField(1, ...(resourceLast ? [scopeGroup, resource] : [resource, scopeGroup])));
}

function spansJson(count: number): Buffer {
  const spans = Array.from({ length: count }, (_, index) => ({ traceId: TRACE_ID, spanId: spanId(index), name: 's' }));
  return Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }));
}

/** One gauge with `points` data points: each point is a record. */
function gaugeProtobuf(points: number): Buffer {
  const dataPoints = Array.from({ length: points }, (_, index) => messageField(1, fixed64Field(3, BigInt(index + 1))));
  // Metric.name (1), Metric.gauge (5) → Gauge.data_points (1)
  const metric = concat(stringField(1, 'g'), messageField(5, ...dataPoints));
  return Buffer.from(otlp.request(otlp.resource(), otlp.scope('s'), [metric]));
}

function gaugeJson(points: number): Buffer {
  const dataPoints = Array.from({ length: points }, (_, index) => ({ timeUnixNano: String(index + 1), asDouble: 1 }));
  return Buffer.from(
    JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints } }] }] }] }),
  );
}

const stepsFor = (records: number) => Math.ceil(records / METER_STEP) * METER_STEP;

describe('decoders tell their meter what they are about to build', () => {
  it.each<[string, OtlpEncoding, () => Buffer, (body: Buffer, encoding: OtlpEncoding, meter: DecodeMeter) => number]>([
    ['spans', 'protobuf', () => spansProtobuf(2500), (b, e, m) => decodeTraces(b, e, m).records.length],
    [
      'spans, resource last',
      'protobuf',
      () => spansProtobuf(2500, true),
      (b, e, m) => decodeTraces(b, e, m).records.length,
    ],
    ['spans', 'json', () => spansJson(2500), (b, e, m) => decodeTraces(b, e, m).records.length],
    ['gauge points', 'protobuf', () => gaugeProtobuf(2500), (b, e, m) => decodeMetrics(b, e, m).records.length],
    ['gauge points', 'json', () => gaugeJson(2500), (b, e, m) => decodeMetrics(b, e, m).records.length],
  ])('meters each record once: %s in %s', (_, encoding, body, decode) => {
    const meter = countingMeter();
    expect(decode(body(), encoding, meter)).toBe(2500);
    expect(meter.recordCount).toBe(stepsFor(2500));
  });

  it('stops decoding as soon as its meter refuses, before the rest is built', () => {
    for (const [encoding, body] of [
      ['protobuf', spansProtobuf(5000, true)],
      ['json', spansJson(5000)],
    ] as const) {
      let metered = 0;
      const refusal = new Error('does not fit');
      const meter: DecodeMeter = {
        records(count) {
          if (metered + count > 2000) throw refusal;
          metered += count;
        },
        jsonContainers: () => undefined,
      };
      expect(() => decodeTraces(body, encoding, meter)).toThrow(refusal);
      expect(metered).toBe(2000);
    }
  });

  it('counts what JSON.parse would build before parsing, brackets inside strings left out', () => {
    const meter = countingMeter();
    const body = Buffer.from('{"resourceSpans":[],"skipped":[{},{"a":"[{\\"}"},[]]}');
    decodeTraces(body, 'json', meter);
    // The request, resourceSpans, skipped, and its three elements.
    expect(meter.containerCount).toBe(6);
    expect(meter.recordCount).toBe(0);
  });
});

describe('MemoryBudget under a memory limit', () => {
  const MiB = 1024 * 1024;

  it('takes what requests decode to, refuses with 429 what no longer fits, and frees it when answered', () => {
    // 100 MiB limit, 20 MiB at start, 2 MiB of request bytes: the admission line less both, a share of it for decoding.
    const budget = new MemoryBudget(2 * MiB, 100 * MiB, 3, 20 * MiB);
    const left = (admissionLine(100 * MiB, 2 * MiB) - 20 * MiB - 2 * MiB) * DECODED_SHARE;
    const first = budget.hold();
    const fits = Math.floor(left / RECORD_BYTES);
    first.meter.records(fits);
    const second = budget.hold();
    let refusal: unknown;
    try {
      second.meter.jsonContainers(Math.ceil(RECORD_BYTES / JSON_CONTAINER_BYTES));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(IngestError);
    expect((refusal as IngestError).grpcCode).toBe(GRPC_CODE.RESOURCE_EXHAUSTED);
    expect((refusal as IngestError).retryAfterSeconds).toBe(3);
    expect((refusal as IngestError).message).toMatch(/send fewer records per request/);
    first.release();
    second.meter.records(fits);
    second.release();
  });

  it('refuses a request that alone needs more than the limit leaves, even with nothing else in flight', () => {
    const budget = new MemoryBudget(2 * MiB, 100 * MiB, 1, 20 * MiB);
    const alone = budget.hold();
    expect(() => alone.meter.records(Math.ceil((30 * MiB) / RECORD_BYTES))).toThrow(IngestError);
  });

  it('takes any amount without a memory limit', () => {
    const budget = new MemoryBudget(10 * MiB, null, 1);
    expect(() => budget.hold().meter.records(10_000_000)).not.toThrow();
  });
});
