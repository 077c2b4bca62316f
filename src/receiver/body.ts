import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { ReceiverError, type RefusalReason } from './errors';

const gunzipAsync = promisify(zlib.gunzip);
const inflateAsync = promisify(zlib.inflate);
const inflateRawAsync = promisify(zlib.inflateRaw);

/** The `Content-Encoding` values the receiver accepts, as the Collector's receiver does. */
export const SUPPORTED_ENCODINGS = ['identity', 'gzip', 'x-gzip', 'deflate', 'zstd'] as const;

/**
 * The most a body may grow by decompression, beyond the first {@link RATIO_FLOOR} bytes. Telemetry
 * that repeats a long prompt on every span reached 124:1 with gzip (whose own ceiling is about
 * 1032:1); a bomb reaches 100,000:1 and more.
 */
export const MAX_COMPRESSION_RATIO = 1000;
/** Output that any body may reach whatever its ratio, so that tiny bodies are never refused for it. */
const RATIO_FLOOR = 1024 * 1024;
/**
 * The largest zstd window accepted, unless the body limit is larger: the window is memory the
 * decoder must hold. RFC 8878 asks decoders to support 8 MB; encoders use less unless told otherwise.
 */
const MIN_ZSTD_WINDOW_LIMIT = 8 * 1024 * 1024;

const TOO_LARGE: Record<'request body' | 'decompressed body', RefusalReason> = {
  'request body': 'body_size',
  'decompressed body': 'decompressed_size',
};

function tooLarge(limit: number, what: keyof typeof TOO_LARGE): ReceiverError {
  return new ReceiverError(413, `${what} exceeds the ${limit}-byte limit`, { reason: TOO_LARGE[what] });
}

/**
 * Reads a request body, refusing more than `limit` bytes. A client that sends more is answered
 * without the rest being read into memory. `take` is told of each chunk before it is kept, and may
 * refuse it by throwing.
 */
function readRaw(request: IncomingMessage, limit: number, take: (bytes: number) => void): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit, 'request body'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const refuse = (error: Error) => {
      request.removeAllListeners('data');
      request.resume();
      reject(error);
    };
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return refuse(tooLarge(limit, 'request body'));
      try {
        take(chunk.length);
      } catch (error) {
        return refuse(error instanceof Error ? error : new Error(String(error)));
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    request.on('error', reject);
  });
}

/**
 * Settles the unread rest of a refused request's body before the answer goes out. A client told to
 * retry must read the answer, not a reset connection, so the rest is read and dropped, and the
 * answer waits for its end: a client that asked for `Connection: close` loses the connection as
 * soon as it is answered. Past `limit` more bytes the connection is closed. A client refused for
 * good needs not send the rest: the connection closes after the answer, as the rest would
 * otherwise be parsed as the next request.
 */
export function settleUnreadBody(
  request: IncomingMessage,
  response: ServerResponse,
  retryable: boolean,
  limit: number,
): Promise<void> {
  if (request.complete || request.destroyed) return Promise.resolve();
  if (!retryable) {
    response.setHeader('Connection', 'close');
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    let discarded = 0;
    request.removeAllListeners('data');
    request.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > limit) request.socket.destroy();
    });
    request.once('end', resolve);
    request.once('close', resolve);
    request.resume();
  });
}

/** How much a body of `compressed` bytes may decompress to, and the message when it goes beyond. */
interface OutputCap {
  bytes: number;
  refusal: () => ReceiverError;
}

function outputCap(compressed: number, limit: number): OutputCap {
  const byRatio = Math.max(RATIO_FLOOR, compressed * MAX_COMPRESSION_RATIO);
  if (byRatio >= limit) return { bytes: limit, refusal: () => tooLarge(limit, 'decompressed body') };
  return {
    bytes: byRatio,
    refusal: () =>
      new ReceiverError(
        413,
        `decompressed body exceeds ${byRatio} bytes, ${MAX_COMPRESSION_RATIO} times its ${compressed} compressed bytes`,
        { reason: 'compression_ratio' },
      ),
  };
}

const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable frames (magic 0x184D2A50–5F) carry no data for the decoder. */
const isSkippable = (magic: number): boolean => magic >>> 4 === 0x184d2a5;
const DICTIONARY_ID_BYTES = [0, 1, 2, 4];
const CONTENT_SIZE_BYTES = [0, 2, 4, 8];
/** No zstd block decodes to more than 128 KiB. */
const MAX_BLOCK_BYTES = 128 * 1024;

const invalidZstd = (problem: string): ReceiverError =>
  new ReceiverError(400, `invalid zstd body: ${problem}`, { reason: 'invalid_compression' });
const truncated = (): ReceiverError => invalidZstd('truncated frame');

/**
 * Reads a zstd frame header at `offset` (RFC 8878, 3.1.1.1) and refuses, before anything is
 * allocated, a frame that declares a window larger than `maxWindow` or more content than `cap`
 * allows. Returns where the frame's first block starts and whether a checksum ends the frame.
 */
function readFrameHeader(body: Buffer, offset: number, cap: OutputCap, maxWindow: number) {
  if (offset + 5 > body.length) throw truncated();
  const descriptor = body[offset + 4]!;
  const singleSegment = (descriptor & 0x20) !== 0;
  const contentSizeFlag = descriptor >> 6;
  let position = offset + 5;
  let window = 0;
  if (!singleSegment) {
    const byte = body[position++];
    if (byte === undefined) throw truncated();
    const base = 2 ** (10 + (byte >> 3));
    window = base + (base / 8) * (byte & 7);
  }
  position += DICTIONARY_ID_BYTES[descriptor & 3]!;
  const sizeBytes = contentSizeFlag === 0 ? (singleSegment ? 1 : 0) : CONTENT_SIZE_BYTES[contentSizeFlag]!;
  if (position + sizeBytes > body.length) throw truncated();
  if (sizeBytes > 0) {
    let size = body.readUIntLE(position, Math.min(sizeBytes, 6));
    if (sizeBytes === 8) size += body.readUInt16LE(position + 6) * 2 ** 48;
    if (sizeBytes === 2) size += 256;
    if (size > cap.bytes) throw cap.refusal();
    if (singleSegment) window = size;
  }
  if (window > maxWindow) {
    throw new ReceiverError(
      413,
      `zstd frame declares a ${window}-byte window, more than the ${maxWindow} bytes accepted`,
      { reason: 'zstd_window' },
    );
  }
  return { blocks: position + sizeBytes, checksum: (descriptor & 0x04) !== 0 };
}

/**
 * Walks a zstd body frame by frame and block by block, checking every frame header, and yields the
 * end of each piece (a block, a checksum or a skippable frame): each decodes to at most 128 KiB.
 * A 1 KB frame declaring a 1 GiB window held the event loop for 40 s and took 1 GiB in fzstd.
 */
function* zstdPieces(body: Buffer, cap: OutputCap, maxWindow: number): Generator<number> {
  let offset = 0;
  while (offset < body.length) {
    if (offset + 4 > body.length) throw truncated();
    const magic = body.readUInt32LE(offset);
    if (isSkippable(magic)) {
      if (offset + 8 > body.length) throw truncated();
      offset += 8 + body.readUInt32LE(offset + 4);
      yield Math.min(offset, body.length);
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw invalidZstd(`no zstd frame at byte ${offset}`);
    const frame = readFrameHeader(body, offset, cap, maxWindow);
    offset = frame.blocks;
    for (let last = false; !last;) {
      if (offset + 3 > body.length) throw truncated();
      const header = body.readUIntLE(offset, 3);
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 3 || size > MAX_BLOCK_BYTES) throw invalidZstd(`bad block at byte ${offset}`);
      last = (header & 1) === 1;
      offset += 3 + (type === 1 ? 1 : size);
      yield Math.min(offset, body.length);
    }
    if (frame.checksum) yield Math.min((offset += 4), body.length);
  }
}

/** Node's own zstd (22.15 and later): it decodes on the thread pool, like zlib. */
const nativeZstd = (
  zlib as {
    zstdDecompress?: (
      body: Buffer,
      options: { maxOutputLength: number; params: Record<number, number> },
      done: (error: Error | null, result: Buffer) => void,
    ) => void;
  }
).zstdDecompress;
const ZSTD_D_WINDOW_LOG_MAX = (zlib.constants as Record<string, number>).ZSTD_d_windowLogMax;

function zstdNative(body: Buffer, cap: OutputCap, maxWindow: number): Promise<Buffer> {
  const params =
    ZSTD_D_WINDOW_LOG_MAX === undefined ? {} : { [ZSTD_D_WINDOW_LOG_MAX]: Math.ceil(Math.log2(maxWindow)) };
  return new Promise((resolve, reject) =>
    nativeZstd!(body, { maxOutputLength: cap.bytes, params }, (error, result) =>
      error ? reject(error) : resolve(result),
    ),
  );
}

/** Output the JavaScript zstd decoder produces between turns of the event loop: about a millisecond of work. */
const ZSTD_TURN_BYTES = 1024 * 1024;

/**
 * The JavaScript decoder, for Node 20: fed a block at a time, yielding to the event loop after each
 * MiB of output, so that other requests are served meanwhile; it stops at the output cap.
 */
async function zstdSliced(body: Buffer, cap: OutputCap, pieces: number[]): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let sinceTurn = 0;
  const stream = new ZstdDecompress((chunk) => {
    size += chunk.length;
    sinceTurn += chunk.length;
    if (size > cap.bytes) throw cap.refusal();
    chunks.push(chunk);
  });
  let start = 0;
  for (const end of pieces) {
    stream.push(body.subarray(start, end), end === body.length);
    start = end;
    if (sinceTurn >= ZSTD_TURN_BYTES) {
      sinceTurn = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return Buffer.concat(chunks, size);
}

/** Zlib's own errors say what is wrong with the stream; a capped output says the body is a bomb. */
function decompressionError(error: unknown, encoding: string, cap: OutputCap): ReceiverError {
  if (error instanceof ReceiverError) return error;
  const code = (error as { code?: string }).code;
  if (code === 'ERR_BUFFER_TOO_LARGE') return cap.refusal();
  const message = error instanceof Error ? error.message : String(error);
  return new ReceiverError(400, `invalid ${encoding} body: ${message}`, { reason: 'invalid_compression' });
}

/**
 * Undoes `Content-Encoding`, bounded before anything is allocated: the output stops at `limit`
 * bytes, and at {@link MAX_COMPRESSION_RATIO} times the compressed size beyond its first MiB; a zstd
 * frame that declares a larger window or content is refused from its header. Decoding never holds
 * the event loop for long: zlib and Node's zstd run on the thread pool, the JavaScript zstd decoder
 * yields between slices.
 */
export async function decompress(body: Buffer, encoding: string, limit: number): Promise<Buffer> {
  const cap = outputCap(body.length, limit);
  const options = { maxOutputLength: cap.bytes };
  try {
    switch (encoding) {
      case '':
      case 'identity':
        return body;
      case 'gzip':
      case 'x-gzip':
        return await gunzipAsync(body, options);
      case 'deflate':
        // HTTP's deflate is zlib-wrapped, but some clients send raw deflate.
        return await inflateAsync(body, options).catch((error: NodeJS.ErrnoException) =>
          error.code === 'Z_DATA_ERROR' ? inflateRawAsync(body, options) : Promise.reject(error),
        );
      case 'zstd': {
        const maxWindow = Math.max(limit, MIN_ZSTD_WINDOW_LIMIT);
        const pieces = [...zstdPieces(body, cap, maxWindow)];
        return await (nativeZstd ? zstdNative(body, cap, maxWindow) : zstdSliced(body, cap, pieces));
      }
      default:
        throw new ReceiverError(
          415,
          `unsupported Content-Encoding ${JSON.stringify(encoding)}; use one of ${SUPPORTED_ENCODINGS.join(', ')}`,
          { reason: 'unsupported_encoding' },
        );
    }
  } catch (error) {
    throw decompressionError(error, encoding, cap);
  }
}

/**
 * Reads a request body and undoes its `Content-Encoding`, both within `limit` bytes. `take` is told
 * of every byte held (the raw chunks as they arrive, then the decompressed copy) and may refuse by
 * throwing.
 */
export async function receiveBody(
  request: IncomingMessage,
  limit: number,
  take: (bytes: number) => void,
): Promise<Buffer> {
  const raw = await readRaw(request, limit, take);
  const encoding = String(request.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  const body = await decompress(raw, encoding, limit);
  if (body !== raw) take(body.length);
  return body;
}
