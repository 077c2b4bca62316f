/**
 * The base of every error that otel-bridge throws on purpose. `code` is stable and safe to match on;
 * the message is for people.
 */
export class OtelBridgeError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration value is missing or out of range. */
export class ConfigurationError extends OtelBridgeError {
  constructor(message: string) {
    super('CONFIGURATION', message);
  }
}
