import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIPv4 } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GRPC_CODE, IngestError } from './errors';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * The bearer token that every OTLP (HTTP and gRPC), API and write request must carry, when one is
 * configured. Digests are compared, so that neither the token's content nor its length leaks
 * through timing.
 */
export class BearerToken {
  private readonly expected: Buffer | null;

  constructor(token: string | null) {
    this.expected = token === null ? null : digest(token);
  }

  /**
   * Refuses with UNAUTHENTICATED (401) unless no token is configured or `authorization` (an HTTP
   * header or gRPC metadata) is `Bearer <token>`.
   */
  check(authorization: string | undefined): void {
    if (this.expected === null) return;
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    if (match === null || !timingSafeEqual(digest(match[1]!.trim()), this.expected))
      throw new IngestError(GRPC_CODE.UNAUTHENTICATED, 'missing or invalid bearer token');
  }
}

/**
 * Adds CORS headers for an allowed origin (`*` allows any), and on a preflight (`OPTIONS`) the
 * methods and headers that may follow. A request from another origin gets none, so the browser
 * refuses it.
 */
export function applyCors(
  request: IncomingMessage,
  response: ServerResponse,
  allowedOrigins: readonly string[],
  methods: string,
): void {
  const origin = request.headers.origin;
  if (!origin || allowedOrigins.length === 0) return;
  if (!allowedOrigins.includes('*') && !allowedOrigins.includes(origin)) return;
  response.setHeader('Access-Control-Allow-Origin', allowedOrigins.includes('*') ? '*' : origin);
  response.setHeader('Vary', 'Origin');
  // A page reads these only when told it may: when to retry after a 429 or 503.
  response.setHeader('Access-Control-Expose-Headers', 'Retry-After');
  if (request.method === 'OPTIONS') {
    response.setHeader('Access-Control-Allow-Methods', methods);
    response.setHeader('Access-Control-Allow-Headers', 'Content-Type, Content-Encoding, Authorization');
    response.setHeader('Access-Control-Max-Age', '86400');
  }
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** True for a peer on this machine: 127.0.0.0/8, `::1`, or an IPv4 loopback address mapped into IPv6. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const unmapped = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  return isIPv4(unmapped) ? LOOPBACK.check(unmapped, 'ipv4') : LOOPBACK.check(unmapped, 'ipv6');
}
