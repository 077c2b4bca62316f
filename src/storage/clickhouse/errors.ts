/**
 * Server error codes after which the same request may succeed: timeouts, overload, memory pressure,
 * replication hiccups and lost connections. Everything else that the server answers with a code
 * (bad data, bad SQL, a missing table, a full disk, access denied) fails the same way again.
 */
const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  '159', // TIMEOUT_EXCEEDED
  '160', // TOO_SLOW
  '173', // CANNOT_ALLOCATE_MEMORY
  '202', // TOO_MANY_SIMULTANEOUS_QUERIES
  '203', // NO_FREE_CONNECTION
  '209', // SOCKET_TIMEOUT
  '210', // NETWORK_ERROR
  '236', // ABORTED
  '241', // MEMORY_LIMIT_EXCEEDED
  '242', // TABLE_IS_READ_ONLY (a replica lost its Keeper session)
  '252', // TOO_MANY_PARTS
  '279', // ALL_CONNECTION_TRIES_FAILED
  '285', // TOO_FEW_LIVE_REPLICAS
  '289', // REPLICA_IS_NOT_IN_QUORUM
  '319', // UNKNOWN_STATUS_OF_INSERT
  '369', // ALL_REPLICAS_ARE_STALE
  '439', // CANNOT_SCHEDULE_TASK
  '574', // DISTRIBUTED_TOO_MANY_PENDING_BYTES
  '745', // SERVER_OVERLOADED
  '999', // KEEPER_EXCEPTION
]);

/** Transport failures, by Node's error code: the request may never have reached the server. */
const RETRYABLE_SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** What `@clickhouse/client` throws when a request exceeds `request_timeout`, or a socket drops. */
const CLIENT_TRANSPORT_MESSAGE = /^Timeout error\.|socket hang up/;

/**
 * Whether a failure from ClickHouse, or from the way to it, may pass when retried. Errors are read by
 * shape, not by class: `@clickhouse/client` bundles its own `ClickHouseError` while chdb's connection
 * throws the one of `@clickhouse/client-common`, and socket errors may come from another realm.
 * A server error carries its numeric code as a string; a socket error, Node's `E…` code.
 */
export function isRetryable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string')
    return /^\d+$/.test(code) ? RETRYABLE_CODES.has(code) : RETRYABLE_SOCKET_CODES.has(code);
  return typeof message === 'string' && CLIENT_TRANSPORT_MESSAGE.test(message);
}
