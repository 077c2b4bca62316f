import type { Static, TSchema } from '@sinclair/typebox';
import { codecFor } from '../../src/api/codec';
import { send, type HttpResult } from './http';

/** A GET of the API, its body read back through the codec of `schema`; fails the test on any status but 200. */
export async function apiGet<S extends TSchema>(
  url: string,
  path: string,
  schema: S,
  headers: Record<string, string> = {},
): Promise<Static<S>> {
  const result = await send(url, { method: 'GET', path, headers });
  if (result.status !== 200) throw new Error(`GET ${path} answered ${result.status}: ${result.body.toString()}`);
  const { value, issues } = codecFor(schema).parse(JSON.parse(result.body.toString()));
  if (issues.length > 0) throw new Error(`GET ${path} answered JSON that the codec refuses: ${JSON.stringify(issues)}`);
  return value;
}

/** A JSON POST, as a browser or a service in any language sends one. */
export function apiPost(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return send(url, {
    method: 'POST',
    path,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The parsed JSON error body of an answer. */
export function errorOf(result: HttpResult): { message: string; parameter?: string; issues?: unknown[] } {
  return (JSON.parse(result.body.toString()) as { error: { message: string; parameter?: string; issues?: unknown[] } })
    .error;
}
