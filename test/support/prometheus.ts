import { send } from './http';

/** Samples of a Prometheus text exposition, by `name{label="value",…}` with the labels sorted. */
export type Samples = Map<string, number>;

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/gy;

const sampleKey = (name: string, labels: Record<string, string>): string => {
  const parts = Object.keys(labels)
    .sort()
    .map((label) => `${label}=${JSON.stringify(labels[label])}`);
  return parts.length === 0 ? name : `${name}{${parts.join(',')}}`;
};

/** A sample value as Prometheus reads it (Go's ParseFloat: `NaN` and `Inf` in any case, `Nan` included). */
function parseValue(text: string): number {
  const special = text.toLowerCase();
  if (special === 'nan') return NaN;
  if (special === '+inf' || special === 'inf') return Infinity;
  if (special === '-inf') return -Infinity;
  const value = Number(text);
  if (text.trim() !== '' && !Number.isNaN(value)) return value;
  throw new Error(`not a sample value: ${text}`);
}

/**
 * Parses the Prometheus text format (version 0.0.4) strictly: every line is a `# HELP`, a `# TYPE`
 * or a sample whose family was declared by a `# TYPE` line first; anything else throws.
 */
export function parsePrometheus(text: string): Samples {
  const families = new Map<string, string>();
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (comment) {
      if (comment[1] === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(comment[3]!))
          throw new Error(`unknown metric type in: ${line}`);
        families.set(comment[2]!, comment[3]!);
      }
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const [, name, labelText = '', value] = match;
    const family = [name!, name!.replace(/_(bucket|sum|count)$/, '')].find((candidate) => families.has(candidate));
    if (family === undefined) throw new Error(`sample ${name} has no # TYPE line before it`);
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    let consumed = 0;
    for (let label = LABEL.exec(labelText); label; label = LABEL.exec(labelText)) {
      labels[label[1]!] = JSON.parse(`"${label[2]!}"`) as string;
      consumed = LABEL.lastIndex;
    }
    if (consumed !== labelText.length) throw new Error(`bad labels in: ${line}`);
    const key = sampleKey(name!, labels);
    if (samples.has(key)) throw new Error(`sample ${key} appears twice`);
    samples.set(key, parseValue(value!));
  }
  return samples;
}

/** One sample's value, 0 when the series has not appeared yet (a counter that never moved). */
export function sample(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  return samples.get(sampleKey(name, labels)) ?? 0;
}

/** Scrapes `GET /metrics`, checks its status and content type, and parses it. */
export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Samples> {
  const response = await send(url, { method: 'GET', path: '/metrics', headers });
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}: ${response.body.toString()}`);
  if (!String(response.headers['content-type']).startsWith('text/plain; version=0.0.4'))
    throw new Error(`GET /metrics answered with Content-Type ${String(response.headers['content-type'])}`);
  return parsePrometheus(response.body.toString('utf8'));
}

/** How much each sample of `after` moved since `before`. */
export function delta(before: Samples, after: Samples, name: string, labels: Record<string, string> = {}): number {
  return sample(after, name, labels) - sample(before, name, labels);
}
