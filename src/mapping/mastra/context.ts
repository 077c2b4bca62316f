import type { AttributeMap, ResourceInfo, ScopeInfo } from '../../records/types';
import type { RecordContext } from '../agent-fields';
import { toAttributeMap } from '../values';
import type { MastraCorrelationContext } from './types';

/** Nanoseconds since the epoch of a Mastra time (a `Date`, in whole milliseconds). */
export function unixNanoOf(time: Date): bigint {
  return BigInt(time.getTime()) * 1_000_000n;
}

/** A non-empty string, or `undefined`: Mastra leaves fields out, or sets them to empty strings. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The scope of every record the Mastra exporter builds. */
export const MASTRA_SCOPE: ScopeInfo = {
  name: '@mastra/observability',
  version: '',
  attributes: {},
  droppedAttributesCount: 0,
  schemaUrl: '',
};

/** One resource per service name, shared by its records as the SDK shares its resource. */
const resources = new Map<string, ResourceInfo>();

export function mastraResource(serviceName: string): ResourceInfo {
  let resource = resources.get(serviceName);
  if (!resource) {
    resource = { attributes: { 'service.name': serviceName }, droppedAttributesCount: 0, schemaUrl: '' };
    resources.set(serviceName, resource);
  }
  return resource;
}

/** The context fields a correlation context names; `undefined` where it names none. */
type KnownContext = { [K in Exclude<keyof RecordContext, 'tags' | 'metadata'>]?: string } & {
  tags?: string[];
  metadata?: AttributeMap;
};

/** Correlation fields that have no column of their own; they are kept in `metadata`. */
const METADATA_FIELDS = [
  'entityVersionId',
  'parentEntityType',
  'parentEntityId',
  'parentEntityName',
  'parentEntityVersionId',
  'rootEntityType',
  'rootEntityId',
  'rootEntityName',
  'rootEntityVersionId',
  'source',
  'experimentId',
] as const satisfies readonly (keyof MastraCorrelationContext)[];

/**
 * The record context of a correlation context: the entity, user, organisation, resource, run,
 * session, thread, request and environment as columns, its tags, and the rest of it in `metadata`
 * under Mastra's names, beneath the record's own `metadata` (which wins on a clash).
 */
export function contextFromCorrelation(
  correlation: MastraCorrelationContext | undefined,
  metadata: Record<string, unknown> | undefined,
  extra: Record<string, unknown> = {},
): KnownContext {
  const c = correlation ?? {};
  const kept: Record<string, unknown> = {};
  for (const field of METADATA_FIELDS) if (text(c[field]) !== undefined) kept[field] = c[field];
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) kept[key] = value;
  return {
    entityType: text(c.entityType),
    entityId: text(c.entityId),
    entityName: text(c.entityName),
    userId: text(c.userId),
    organizationId: text(c.organizationId),
    resourceId: text(c.resourceId),
    runId: text(c.runId),
    sessionId: text(c.sessionId),
    threadId: text(c.threadId),
    requestId: text(c.requestId),
    environment: text(c.environment),
    tags: c.tags?.filter((tag) => typeof tag === 'string' && tag !== ''),
    metadata: toAttributeMap({ ...kept, ...metadata }),
  };
}
