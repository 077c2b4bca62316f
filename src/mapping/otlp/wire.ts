import { MAX_VALUE_DEPTH } from './assembly';
import { OtlpDecodeError, type OtlpSignal } from './errors';

/**
 * A reader for the protobuf wire format, written for speed: it reads primitives at a cursor and
 * leaves the message structure to its callers, which switch on the tag of each field.
 *
 * Bounds: every read checks the end of the body. A message reader loops while `pos < end` and then
 * calls {@link WireReader.finish}, which catches a last field that ran past the message's end.
 */

/** Wire types (protobuf encoding spec). */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
const SGROUP = 3;
const EGROUP = 4;
export const I32 = 5;

/** The tag of a field: its number and wire type in one varint, as the switches in the decoders match it. */
export const tag = (field: number, wireType: number): number => (field << 3) | wireType;

/**
 * Buffer's own slicing methods skip `toString`'s encoding dispatch; Node has them on every Buffer but does not type
 * them.
 */
interface SlicingBuffer extends Buffer {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
  hexSlice(start: number, end: number): string;
}

/** Below this length a JS scan for non-ASCII bytes plus a latin1 slice beats the UTF-8 decoder's call cost. */
const SHORT_STRING = 48;
const TWO_TO_32 = 0x1_0000_0000;
/** Slots of the per-request cache of recurring strings (a power of two), and the longest string it keeps. */
const RECURRING_BITS = 9;
const RECURRING_SLOTS = 1 << RECURRING_BITS;
const MAX_RECURRING_LENGTH = 64;
/** Above this high word, `hi * 2^32 + lo` is no longer an exact double. */
const SAFE_HIGH_WORD = 0x20_0000;

export class WireReader {
  readonly buf: SlicingBuffer;
  private readonly view: DataView;
  private readonly signal: OtlpSignal;
  pos = 0;
  // The words of the last 64-bit varint, kept on the reader rather than in a fresh object per read.
  private lo = 0;
  private hi = 0;
  // A direct-mapped cache for recurringString: where in this body each slot's bytes are, and their string.
  private readonly recurringStarts = new Int32Array(RECURRING_SLOTS);
  private readonly recurringLengths = new Int32Array(RECURRING_SLOTS);
  private readonly recurringStrings: (string | undefined)[] = new Array<string | undefined>(RECURRING_SLOTS);

  constructor(body: Uint8Array, signal: OtlpSignal) {
    this.buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength) as SlicingBuffer;
    this.view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    this.signal = signal;
  }

  get length(): number {
    return this.buf.length;
  }

  fail(offset: number, problem: string): never {
    throw new OtlpDecodeError('protobuf', this.signal, offset, problem);
  }

  /** A field's tag. Field number 0 and wire types 6 and 7 do not exist. */
  tag(): number {
    const start = this.pos;
    const value = this.uint32();
    if (value >>> 3 === 0) this.fail(start, 'field number 0 is not valid');
    if ((value & 7) > I32) this.fail(start, `invalid wire type ${value & 7} for field ${value >>> 3}`);
    return value;
  }

  /** A varint as an unsigned 32-bit number (the low 32 bits of a longer one, as protobuf truncates). */
  uint32(): number {
    const byte = this.buf[this.pos];
    // `undefined` past the end compares false and takes the checked path.
    if (byte !== undefined && byte < 0x80) {
      this.pos++;
      return byte;
    }
    return this.varint32Checked();
  }

  private varint32Checked(): number {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const byte = buf[pos++];
      if (byte === undefined) this.fail(start, 'varint runs past the end of the body');
      if (shift < 32) result |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.pos = pos;
        return result >>> 0;
      }
    }
    return this.fail(start, 'varint is longer than 10 bytes');
  }

  /** A varint as its low and high 32-bit words, for the 64-bit readers. */
  private varint64(): void {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const byte = buf[pos++];
      if (byte === undefined) this.fail(start, 'varint runs past the end of the body');
      const bits = byte & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= bits << 28;
        hi = bits >>> 4;
      } else hi |= bits << (shift - 32);
      if (byte < 0x80) {
        this.pos = pos;
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
    this.fail(start, 'varint is longer than 10 bytes');
  }

  /** An `int64` varint, exactly. */
  int64(): bigint {
    const byte = this.buf[this.pos];
    if (byte !== undefined && byte < 0x80) {
      this.pos++;
      return BigInt(byte);
    }
    this.varint64();
    return this.hi < SAFE_HIGH_WORD
      ? BigInt(this.hi * TWO_TO_32 + this.lo)
      : BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo));
  }

  /** A `uint64` varint as a number: exact up to 2^53, which counts do not reach. */
  uint64Number(): number {
    this.varint64();
    return this.hi * TWO_TO_32 + this.lo;
  }

  bool(): boolean {
    this.varint64();
    return this.lo !== 0 || this.hi !== 0;
  }

  /** A zigzag-encoded `sint32`. */
  sint32(): number {
    const value = this.uint32();
    return (value >>> 1) ^ -(value & 1);
  }

  private need(bytes: number): number {
    const start = this.pos;
    if (start + bytes > this.buf.length)
      this.fail(start, `${bytes}-byte fixed-width value runs past the end of the body`);
    this.pos = start + bytes;
    return start;
  }

  fixed32(): number {
    return this.view.getUint32(this.need(4), true);
  }

  /** A `fixed64`, exactly (times in nanoseconds). */
  fixed64(): bigint {
    return this.view.getBigUint64(this.need(8), true);
  }

  /** A `fixed64` as a number: exact up to 2^53, which counts do not reach. */
  fixed64Number(): number {
    const start = this.need(8);
    return this.view.getUint32(start + 4, true) * TWO_TO_32 + this.view.getUint32(start, true);
  }

  sfixed64(): bigint {
    return this.view.getBigInt64(this.need(8), true);
  }

  double(): number {
    return this.view.getFloat64(this.need(8), true);
  }

  /**
   * Reads the length prefix of a length-delimited field and returns where its bytes end, which must be
   * within `limit`, the end of the enclosing message.
   */
  end(limit: number): number {
    const start = this.pos;
    const length = this.uint32();
    const end = this.pos + length;
    if (end > limit) {
      this.fail(
        start,
        limit === this.buf.length
          ? `length ${length} runs past the end of the body (${limit} bytes)`
          : `length ${length} runs past the end of the enclosing message at byte ${limit}`,
      );
    }
    return end;
  }

  /** Checks that a message's fields ended exactly at its end. */
  finish(end: number): void {
    if (this.pos !== end) this.fail(end, `the last field of a message runs past its end, to byte ${this.pos}`);
  }

  string(limit: number): string {
    const end = this.end(limit);
    const start = this.pos;
    this.pos = end;
    const buf = this.buf;
    if (end - start > SHORT_STRING) return buf.utf8Slice(start, end);
    for (let index = start; index < end; index++) {
      if (buf[index]! >= 0x80) return buf.utf8Slice(start, end);
    }
    return buf.latin1Slice(start, end);
  }

  /**
   * A string that recurs, such as an attribute key: the same bytes give the same string object, which
   * saves decoding it and, when it is used as a property key, interning it again.
   */
  recurringString(limit: number): string {
    const end = this.end(limit);
    const start = this.pos;
    this.pos = end;
    const buf = this.buf;
    const length = end - start;
    if (length > MAX_RECURRING_LENGTH) return buf.utf8Slice(start, end);
    if (length === 0) return '';
    // Hash a sample of the bytes: the comparison below reads them all anyway.
    const hash = Math.imul(
      length ^
        (buf[start]! << 8) ^
        (buf[end - 1]! << 16) ^
        (buf[start + (length >> 1)]! << 24) ^
        buf[end - 2 >= start ? end - 2 : start]!,
      0x9e3779b1,
    );
    const slot = hash >>> (32 - RECURRING_BITS);
    const cached = this.recurringStrings[slot];
    if (
      cached !== undefined &&
      this.recurringLengths[slot] === length &&
      this.sameBytes(this.recurringStarts[slot]!, start, length)
    )
      return cached;
    const value = buf.utf8Slice(start, end);
    this.recurringStarts[slot] = start;
    this.recurringLengths[slot] = length;
    this.recurringStrings[slot] = value;
    return value;
  }

  private sameBytes(first: number, second: number, length: number): boolean {
    const buf = this.buf;
    for (let index = 0; index < length; index++) {
      if (buf[first + index] !== buf[second + index]) return false;
    }
    return true;
  }

  /** A `bytes` field as lowercase hex: `''` when empty. */
  hex(limit: number): string {
    const end = this.end(limit);
    const start = this.pos;
    this.pos = end;
    return start === end ? '' : this.buf.hexSlice(start, end);
  }

  /** A `bytes` field, copied so that a record does not keep the request body alive. */
  bytes(limit: number): Uint8Array {
    const end = this.end(limit);
    const start = this.pos;
    this.pos = end;
    return new Uint8Array(this.buf.subarray(start, end));
  }

  /**
   * Reads a repeated scalar field in either encoding: packed (one length-delimited run) when the tag's
   * wire type is LEN, else one element.
   */
  repeated(fieldTag: number, limit: number, readOne: (reader: WireReader) => number, into: number[]): void {
    if ((fieldTag & 7) !== LEN) {
      into.push(readOne(this));
      return;
    }
    const end = this.end(limit);
    while (this.pos < end) into.push(readOne(this));
    this.finish(end);
  }

  /** Skips a field this decoder does not read, by its wire type: how protobuf stays forward compatible. */
  skip(fieldTag: number, limit: number, depth = 0): void {
    switch (fieldTag & 7) {
      case VARINT:
        this.varint64();
        return;
      case I64:
        this.need(8);
        return;
      case LEN:
        this.pos = this.end(limit);
        return;
      case I32:
        this.need(4);
        return;
      case SGROUP:
        this.skipGroup(fieldTag >>> 3, limit, depth);
        return;
      default:
        this.fail(this.pos, `end-group tag for field ${fieldTag >>> 3} without a start-group tag`);
    }
  }

  /** Groups are proto2's deprecated nested messages, delimited by start and end tags rather than a length. */
  private skipGroup(field: number, limit: number, depth: number): void {
    const start = this.pos;
    if (depth >= MAX_VALUE_DEPTH) this.fail(start, `groups nested deeper than ${MAX_VALUE_DEPTH} levels`);
    while (this.pos < limit) {
      const inner = this.tag();
      if ((inner & 7) === EGROUP) {
        if (inner >>> 3 !== field)
          this.fail(this.pos, `group of field ${field} closed by an end-group tag for field ${inner >>> 3}`);
        return;
      }
      this.skip(inner, limit, depth + 1);
    }
    this.fail(start, `group of field ${field} has no end-group tag`);
  }
}

export const readDouble = (reader: WireReader): number => reader.double();
export const readFixed64Number = (reader: WireReader): number => reader.fixed64Number();
export const readUint64Number = (reader: WireReader): number => reader.uint64Number();
