import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip, inflate, inflateRaw } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { ReceiverError } from './errors';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const inflateRawAsync = promisify(inflateRaw);

/** The `Content-Encoding` values the receiver accepts, as the Collector's receiver does. */
export const SUPPORTED_ENCODINGS = ['identity', 'gzip', 'x-gzip', 'deflate', 'zstd'] as const;

function tooLarge(limit: number, what: string): ReceiverError {
  return new ReceiverError(413, `${what} exceeds the ${limit}-byte limit`);
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

function zstdDecompress(body: Buffer, limit: number): Buffer {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const stream = new ZstdDecompress((chunk) => {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit, 'decompressed body');
    chunks.push(chunk);
  });
  stream.push(body, true);
  return Buffer.concat(chunks, size);
}

/** Zlib's own errors say what is wrong with the stream; a capped output says the body is a bomb. */
function decompressionError(error: unknown, encoding: string, limit: number): ReceiverError {
  if (error instanceof ReceiverError) return error;
  const code = (error as { code?: string }).code;
  if (code === 'ERR_BUFFER_TOO_LARGE') return tooLarge(limit, 'decompressed body');
  const message = error instanceof Error ? error.message : String(error);
  return new ReceiverError(400, `invalid ${encoding} body: ${message}`);
}

/**
 * Undoes `Content-Encoding`. The output is capped at `limit` bytes, so a decompression bomb gets a
 * 413 and never the memory it asks for; zlib works off the event loop.
 */
async function decompress(body: Buffer, encoding: string, limit: number): Promise<Buffer> {
  const options = { maxOutputLength: limit };
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
      case 'zstd':
        return zstdDecompress(body, limit);
      default:
        throw new ReceiverError(
          415,
          `unsupported Content-Encoding ${JSON.stringify(encoding)}; use one of ${SUPPORTED_ENCODINGS.join(', ')}`,
        );
    }
  } catch (error) {
    throw decompressionError(error, encoding, limit);
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
