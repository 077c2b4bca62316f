import { diskOutage, type StorageFailureReason } from '../errors';

/**
 * Server error codes after which the same request may succeed: timeouts, overload, memory pressure,
 * replication hiccups and lost connections. Besides these and the {@link OUTAGE_CODES}, what the
 * server answers with a code (bad data, bad SQL, a missing table) fails the same way again.
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

/** Outages an operator fixes, after which the same request passes: they are retryable too. */
const OUTAGE_CODES: ReadonlyMap<string, StorageFailureReason> = new Map([
  ['243', 'disk_full'], // NOT_ENOUGH_SPACE
  ['164', 'read_only'], // READONLY: the user or the server is read-only
  ['516', 'authentication'], // AUTHENTICATION_FAILED: a wrong or expired password
  ['497', 'authentication'], // ACCESS_DENIED: a grant was revoked
]);

/**
 * TOO_MANY_PARTS (252) also means that one insert spans more than `max_partitions_per_insert_block`
 * days. That batch fails the same way every time; the pipeline splits it instead of retrying it.
 */
const TOO_MANY_PARTITIONS = /Too many partitions for single INSERT block/;

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
 * What a failure from ClickHouse, or from the way to it, means: an outage (and which), or a refusal.
 * Errors are read by shape, not by class: `@clickhouse/client` bundles its own `ClickHouseError`
 * while chdb's connection throws the one of `@clickhouse/client-common`, and socket errors may come
 * from another realm. A server error carries its numeric code as a string; a socket error, Node's
 * `E…` code.
 */
export function failureReason(error: unknown): StorageFailureReason {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  const disk = diskOutage(text);
  if (disk) return disk;
  if (typeof code === 'string' && /^\d+$/.test(code)) {
    if (TOO_MANY_PARTITIONS.test(text)) return 'refused';
    return OUTAGE_CODES.get(code) ?? (RETRYABLE_CODES.has(code) ? 'overload' : 'refused');
  }
  if (typeof code === 'string') return RETRYABLE_SOCKET_CODES.has(code) ? 'connection' : 'refused';
  return CLIENT_TRANSPORT_MESSAGE.test(text) ? 'connection' : 'refused';
}
