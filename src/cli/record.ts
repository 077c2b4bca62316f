import { ConfigurationError, OtelBridgeError } from '../errors';
import { RECEIVER_DEFAULTS } from '../receiver/server';
import type { Settings } from './config';

/**
 * `otel-bridge score` and `otel-bridge feedback`: one record, posted to a running server's
 * `POST /v1/scores` or `/v1/feedback`, the way any other service sends one. Not written to the store
 * directly: a running `serve` owns its DuckDB file (DuckDB has one writer), and the server applies
 * the same validation, token and backpressure as for everyone else.
 */

/** The server did not take the record, or could not be reached. */
export class RecordCommandError extends OtelBridgeError {
  constructor(message: string) {
    super('RECORD_FAILED', message);
  }
}

function required(settings: Settings, name: 'trace' | 'scorer' | 'value' | 'feedback-type', command: string): string {
  const value = settings[name];
  if (value === undefined) throw new ConfigurationError(`${command} needs --${name}`);
  return value;
}

/** A number when the text is one, as a shell passes `1` or `0.9`; otherwise the text. */
function numberOrText(text: string): number | string {
  const number = Number(text);
  return text.trim() !== '' && Number.isFinite(number) ? number : text;
}

function serverUrl(settings: Settings): string {
  if (settings.url) return settings.url.replace(/\/+$/, '');
  const host = settings.host ?? RECEIVER_DEFAULTS.host;
  // A server bound to every address is reached on this machine's loopback.
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${settings.port ?? RECEIVER_DEFAULTS.port}`;
}

function bodyOf(command: 'score' | 'feedback', settings: Settings): Record<string, unknown> {
  const common = {
    traceId: required(settings, 'trace', command),
    ...(settings.span ? { spanId: settings.span } : {}),
    ...(settings.service ? { serviceName: settings.service } : {}),
    ...(settings.source ? { source: settings.source } : {}),
  };
  if (command === 'score') {
    const text = required(settings, 'value', command);
    const score = numberOrText(text);
    if (typeof score !== 'number')
      throw new ConfigurationError(`--value must be a number for a score, got ${JSON.stringify(text)}`);
    return {
      ...common,
      scorerId: required(settings, 'scorer', command),
      score,
      ...(settings.reason ? { reason: settings.reason } : {}),
    };
  }
  return {
    ...common,
    feedbackType: required(settings, 'feedback-type', command),
    value: numberOrText(required(settings, 'value', command)),
    ...(settings.comment ? { comment: settings.comment } : {}),
    ...(settings.user ? { userId: settings.user } : {}),
  };
}

/** Posts the record; prints the server's answer, the record as stored, as JSON. */
export async function runRecord(
  command: 'score' | 'feedback',
  settings: Settings,
  print: (line: string) => void,
): Promise<void> {
  const url = `${serverUrl(settings)}/v1/${command === 'score' ? 'scores' : 'feedback'}`;
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (settings.token) headers.Authorization = `Bearer ${settings.token}`;
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(bodyOf(command, settings)) });
  } catch (error) {
    const reason =
      error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new RecordCommandError(
      `no otel-bridge server answered at ${url} (${reason}); start one with otel-bridge serve, or pass --url`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error: { message: string } }).error.message;
    } catch {
      // Not the API's error body: show it as it came.
    }
    throw new RecordCommandError(`the server answered ${response.status}: ${message}`);
  }
  const answer = JSON.parse(text) as Record<string, unknown[]>;
  print(JSON.stringify(answer[command === 'score' ? 'scores' : 'feedback']![0], null, 2));
}
