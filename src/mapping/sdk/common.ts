import type { ResourceInfo, ScopeInfo } from '../../records/types';
import { toAttributeMap } from '../values';
import type { HrTime, SdkResource, SdkScope } from './types';

export function hrTimeToUnixNano(time: HrTime): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}

/** The SDK shares one resource object per provider; reads are cached by its identity. */
const resources = new WeakMap<object, ResourceInfo>();
const scopes = new WeakMap<object, ScopeInfo>();

export function toResourceInfo(resource: SdkResource): ResourceInfo {
  let info = resources.get(resource);
  if (!info) {
    info = {
      attributes: toAttributeMap(resource.attributes),
      droppedAttributesCount: 0,
      schemaUrl: resource.schemaUrl ?? '',
    };
    resources.set(resource, info);
  }
  return info;
}

export function toScopeInfo(scope: SdkScope): ScopeInfo {
  let info = scopes.get(scope);
  if (!info) {
    info = {
      name: scope.name,
      version: scope.version ?? '',
      attributes: toAttributeMap(scope.attributes),
      droppedAttributesCount: scope.droppedAttributesCount ?? 0,
      schemaUrl: scope.schemaUrl ?? '',
    };
    scopes.set(scope, info);
  }
  return info;
}
