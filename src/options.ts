import { ConfigurationError } from './errors';

/**
 * The options that are set: an option given as `undefined` is left out, so that spreading the
 * result over defaults (`{ ...DEFAULTS, ...definedOnly(options) }`) keeps the default.
 */
export function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/**
 * A whole number from the text of a setting (a command-line flag or its environment variable), or a
 * {@link ConfigurationError} naming the flag.
 */
export function wholeNumberSetting<Name extends string>(
  settings: Partial<Record<Name, string>>,
  name: Name,
  min: number,
): number | undefined {
  const text = settings[name];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigurationError(`--${name} must be a whole number >= ${min}, got ${JSON.stringify(text)}`);
  }
  return value;
}
