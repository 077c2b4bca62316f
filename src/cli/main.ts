#!/usr/bin/env node
import { ConfigurationError, OtelBridgeError } from '../errors';
import type { Reach } from '../receiver/access';
import { startReceiver } from '../receiver/server';
import { startViewer } from '../viewer/server';
import { wholeNumberSetting } from '../options';
import {
  OPTIONS,
  describeStore,
  existingStoreFrom,
  helpText,
  limitsFrom,
  parseSettings,
  pricesFrom,
  storeFrom,
  type Settings,
} from './config';
import { runQuery } from './query';
import { runRecord } from './record';

const MiB = 1024 * 1024;

/** `--tls-cert` and `--tls-key`, which go together. */
function tlsFrom(settings: Settings): { certFile: string; keyFile: string } | undefined {
  const certFile = settings['tls-cert'];
  const keyFile = settings['tls-key'];
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined)
    throw new ConfigurationError('--tls-cert and --tls-key go together: give both, or neither');
  return { certFile, keyFile };
}

/** A whole number of seconds setting, in milliseconds. */
function millisecondsSetting(settings: Settings, name: 'header-timeout-s' | 'request-timeout-s' | 'idle-timeout-s') {
  const seconds = wholeNumberSetting(settings, name, 1);
  return seconds === undefined ? undefined : seconds * 1000;
}

/** The start-up line that says who can reach the server at `where`, and whether it asks for a token. */
function accessLine(reach: Reach, authenticated: boolean, where: string): string {
  const who = reach === 'loopback' ? 'this machine only' : 'reachable from the network';
  if (authenticated) return `access: bearer token required on ${where}, ${who}`;
  if (reach === 'loopback') return `access: unauthenticated on ${where}, ${who} (set --token before opening it up)`;
  return (
    `access: UNAUTHENTICATED on ${where}, ${who} (--allow-unauthenticated): ` +
    `anyone who reaches it can write and read`
  );
}

async function serve(settings: Settings, print: (line: string) => void): Promise<void> {
  const grpcPort = wholeNumberSetting(settings, 'grpc-port', 0) ?? OPTIONS['grpc-port'].default;
  const tls = tlsFrom(settings);
  const prices = pricesFrom(settings);
  const limits = limitsFrom(settings);
  const store = storeFrom(settings);
  const maxBodyMb = wholeNumberSetting(settings, 'max-body-mb', 1);
  const maxInFlightMb = wholeNumberSetting(settings, 'max-in-flight-mb', 1);
  const memoryLimitMb = wholeNumberSetting(settings, 'memory-limit-mb', 64);
  const maxConnections = wholeNumberSetting(settings, 'max-connections', 1);
  const receiver = await startReceiver({
    store,
    host: settings.host,
    port: wholeNumberSetting(settings, 'port', 0),
    grpcPort: grpcPort === 0 ? undefined : grpcPort,
    tls,
    authToken: settings.token,
    allowUnauthenticated: settings['allow-unauthenticated'],
    httpLimits: {
      headerTimeoutMs: millisecondsSetting(settings, 'header-timeout-s'),
      requestTimeoutMs: millisecondsSetting(settings, 'request-timeout-s'),
      idleTimeoutMs: millisecondsSetting(settings, 'idle-timeout-s'),
      maxConnections,
    },
    grpcLimits: { maxConnections },
    corsAllowedOrigins: settings['cors-origin']?.split(',').map((origin) => origin.trim()),
    maxBodyBytes: maxBodyMb === undefined ? undefined : maxBodyMb * MiB,
    maxInFlightBytes: maxInFlightMb === undefined ? undefined : maxInFlightMb * MiB,
    memoryLimitBytes: (memoryLimitMb ?? OPTIONS['memory-limit-mb'].default) * MiB,
    maxBufferSize: wholeNumberSetting(settings, 'max-buffer', 1),
    maxBatchSize: wholeNumberSetting(settings, 'max-batch', 1),
    prices,
    limits,
    onDrop: (drop) => print(`dropped ${drop.count} ${drop.signal} (${drop.reason}): ${drop.error.message}`),
    viewer: { assetsDirectory: settings['viewer-dir'] },
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const stopped = stopSignal();
  const grpc = receiver.grpcAddress === null ? '' : ` and ${receiver.grpcAddress} (OTLP/gRPC)`;
  const routes = 'OTLP/HTTP: /v1/traces /v1/logs /v1/metrics; API: /api/v1, /v1/scores, /v1/feedback; viewer: /';
  print(accessLine(receiver.reach, settings.token !== undefined, `${receiver.url}${grpc}`));
  print(`otel-bridge listening on ${receiver.url} (${routes})${grpc}, store: ${describeStore(settings)}`);
  print(`${await stopped}: draining…`);
  await receiver.close();
  await store.close();
  print('stopped');
}

/**
 * Listens for the stop signals; call it before saying that the server listens, since a supervisor
 * may send one as soon as it reads that line.
 */
function stopSignal(): Promise<string> {
  return new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** `view`: the viewer and a read-only API over a store that nothing writes to (DuckDB opened read-only). */
async function view(settings: Settings, print: (line: string) => void): Promise<void> {
  const store = existingStoreFrom(settings);
  const viewer = await startViewer({
    store,
    host: settings.host,
    port: wholeNumberSetting(settings, 'port', 0),
    authToken: settings.token,
    allowUnauthenticated: settings['allow-unauthenticated'],
    assetsDirectory: settings['viewer-dir'],
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const stopped = stopSignal();
  print(accessLine(viewer.reach, settings.token !== undefined, viewer.url));
  print(`otel-bridge viewer on ${viewer.url} (read-only: no ingest, no writes), store: ${describeStore(settings)}`);
  print(`${await stopped}: stopping…`);
  await viewer.close();
  await store.close();
  print('stopped');
}

/** Runs a command line; resolves with the exit code. */
export async function run(
  argv: string[],
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
  printError: (line: string) => void = print,
): Promise<number> {
  try {
    const settings = parseSettings(argv, env);
    const [command, ...rest] = settings.positionals;
    if (settings.help || command === undefined || command === 'help') {
      print(helpText());
      return command === undefined && !settings.help ? 2 : 0;
    }
    if (command === 'serve') await serve(settings, print);
    else if (command === 'view') await view(settings, print);
    else if (command === 'query') await runQuery(settings, rest, print);
    else if (command === 'score' || command === 'feedback') await runRecord(command, settings, print);
    else throw new ConfigurationError(`unknown command ${JSON.stringify(command)}; see otel-bridge --help`);
    return 0;
  } catch (error) {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    printError(`otel-bridge: ${error instanceof OtelBridgeError ? error.message : detail}`);
    return 1;
  }
}

if (require.main === module) {
  void run(
    process.argv.slice(2),
    process.env,
    (line) => console.log(line),
    (line) => console.error(line),
  ).then((code) => {
    process.exitCode = code;
  });
}
