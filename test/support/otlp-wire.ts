/**
 * A tiny protobuf writer for hand-written OTLP requests in tests: each function returns the bytes of
 * one field, and `message` concatenates fields. Field numbers in the tests come from the OTLP
 * specification, like the decoder's.
 */

export type Bytes = Uint8Array;

export function concat(...parts: Bytes[]): Bytes {
  return new Uint8Array(Buffer.concat(parts));
}

/** A varint of any 64-bit value; negative numbers take ten bytes, as int64 encodes them. */
export function varint(value: bigint | number): Bytes {
  let rest = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    out.push(rest === 0n ? low : low | 0x80);
  } while (rest !== 0n);
  return Uint8Array.from(out);
}

export const key = (field: number, wireType: number): Bytes => varint((field << 3) | wireType);

export const varintField = (field: number, value: bigint | number | boolean): Bytes =>
  concat(key(field, 0), varint(typeof value === 'boolean' ? Number(value) : value));

export const sint32Field = (field: number, value: number): Bytes =>
  varintField(field, ((value << 1) ^ (value >> 31)) >>> 0);

export function fixed64Field(field: number, value: bigint): Bytes {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt.asUintN(64, value));
  return concat(key(field, 1), bytes);
}

export function doubleField(field: number, value: number): Bytes {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleLE(value);
  return concat(key(field, 1), bytes);
}

export function fixed32Field(field: number, value: number): Bytes {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return concat(key(field, 5), bytes);
}

export const bytesField = (field: number, value: Bytes): Bytes => concat(key(field, 2), varint(value.length), value);
export const stringField = (field: number, value: string): Bytes => bytesField(field, Buffer.from(value, 'utf8'));
export const hexField = (field: number, hex: string): Bytes => bytesField(field, Buffer.from(hex, 'hex'));
export const messageField = (field: number, ...parts: Bytes[]): Bytes => bytesField(field, concat(...parts));
export const groupField = (field: number, ...parts: Bytes[]): Bytes => concat(key(field, 3), ...parts, key(field, 4));

export const packedVarints = (field: number, values: number[]): Bytes =>
  bytesField(field, concat(...values.map(varint)));

export function packedFixed64(field: number, values: number[]): Bytes {
  const bytes = Buffer.alloc(values.length * 8);
  values.forEach((value, index) => bytes.writeBigUInt64LE(BigInt(value), index * 8));
  return bytesField(field, bytes);
}

export function packedDoubles(field: number, values: number[]): Bytes {
  const bytes = Buffer.alloc(values.length * 8);
  values.forEach((value, index) => bytes.writeDoubleLE(value, index * 8));
  return bytesField(field, bytes);
}

/** One unknown field of each wire type, numbered high enough that no OTLP message uses them. */
export const UNKNOWN_FIELDS: Bytes = concat(
  varintField(900, 12345678901234n),
  fixed64Field(901, 42n),
  stringField(902, 'from a newer version'),
  groupField(903, varintField(1, 7), groupField(2, stringField(3, 'nested group'))),
  fixed32Field(904, 7),
);

/** OTLP messages by field number (common/v1, resource/v1 and the Export*ServiceRequest layout). */
export const otlp = {
  string: (value: string) => stringField(1, value),
  bool: (value: boolean) => varintField(2, value),
  int: (value: bigint) => varintField(3, value),
  double: (value: number) => doubleField(4, value),
  array: (...values: Bytes[]) => messageField(5, ...values.map((value) => messageField(1, value))),
  kvlist: (...keyValues: Bytes[]) => messageField(6, ...keyValues.map((keyValue) => messageField(1, keyValue))),
  bytes: (value: Bytes) => bytesField(7, value),
  /** A KeyValue; without `value` it has no AnyValue at all. */
  keyValue: (name: string, value?: Bytes) =>
    concat(stringField(1, name), ...(value === undefined ? [] : [messageField(2, value)])),
  /** Resource attributes (field 1) from KeyValues. */
  resource: (...keyValues: Bytes[]) => concat(...keyValues.map((keyValue) => messageField(1, keyValue))),
  scope: (name: string, version = '') => concat(stringField(1, name), stringField(2, version)),
  /** An export request with one resource group holding one scope group holding `items` (field 2). */
  request: (resource: Bytes, scope: Bytes, items: Bytes[]) =>
    messageField(
      1,
      messageField(1, resource),
      messageField(2, messageField(1, scope), ...items.map((item) => messageField(2, item))),
    ),
};
