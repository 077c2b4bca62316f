/**
 * The options that are set: an option given as `undefined` is left out, so that spreading the
 * result over defaults (`{ ...DEFAULTS, ...definedOnly(options) }`) keeps the default.
 */
export function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
