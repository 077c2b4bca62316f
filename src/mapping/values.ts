import { isInt64Number } from '../records/primitives';
import type { AttributeMap, AttributeValue } from '../records/types';

/**
 * An SDK attribute value, typed as OTLP types it: an integral number is an int (as the SDK's own
 * OTLP exporters send it), any other number a double.
 */
export function toAttributeValue(value: unknown): AttributeValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return isInt64Number(value) ? BigInt(value) : value;
    case 'bigint':
      return value;
    case 'object':
      if (value === null) return null;
      if (value instanceof Uint8Array) return value;
      // Not an OpenTelemetry attribute type, but Mastra's span attributes hold some (`completionStartTime`).
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      if (Array.isArray(value)) return value.map(toAttributeValue);
      return toAttributeMap(value as Record<string, unknown>);
    default:
      return null;
  }
}

export function toAttributeMap(attributes: Record<string, unknown> | undefined): AttributeMap {
  const map: AttributeMap = {};
  if (!attributes) return map;
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) map[key] = toAttributeValue(value);
  }
  return map;
}
