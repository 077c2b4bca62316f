import { createHash, timingSafeEqual } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { ConfigurationError } from '../errors';
import { GRPC_CODE, IngestError, UnauthenticatedNetworkError } from './errors';

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
// An IPv4 loopback address written as IPv6 (::ffff:127.0.0.1).
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** True for a peer on this machine: 127.0.0.0/8, `::1`, or an IPv4 loopback address mapped into IPv6. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined || isIP(address) === 0) return false;
  return LOOPBACK.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** The addresses `host` stands for: itself for an IP address, else every address it resolves to. */
async function addressesOf(host: string): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  try {
    return (await lookup(host, { all: true })).map((entry) => entry.address);
  } catch (error) {
    throw new ConfigurationError(
      `cannot listen on ${host}: it does not resolve (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

/** Who can reach a server: this machine alone (every address of its host is a loopback one), or the network. */
export type Reach = 'loopback' | 'network';

/**
 * Where a server on `host` can be reached from, refusing with an {@link UnauthenticatedNetworkError}
 * to open one to the network (`0.0.0.0`, `::`, a LAN address, a name that resolves to one) without
 * a token, unless `allowUnauthenticated`. Checked before listening, so nothing is ever open.
 */
export async function checkReach(
  host: string,
  access: { authToken?: string | undefined; allowUnauthenticated?: boolean | undefined },
): Promise<Reach> {
  const addresses = await addressesOf(host);
  if (addresses.every(isLoopbackAddress)) return 'loopback';
  if (access.authToken === undefined && access.allowUnauthenticated !== true)
    throw new UnauthenticatedNetworkError(host, addresses);
  return 'network';
}
