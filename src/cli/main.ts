#!/usr/bin/env node
import { ConfigurationError, OtelBridgeError } from '../errors';
import { startReceiver } from '../receiver/server';
import { describeStore, helpText, integerSetting, limitsFrom, parseSettings, storeFrom, type Settings } from './config';
import { runQuery } from './query';

const MiB = 1024 * 1024;
/** The serve process is ours alone, so it gets a whole-process memory limit. */
const DEFAULT_MEMORY_LIMIT_MB = 512;

async function serve(settings: Settings, print: (line: string) => void): Promise<void> {
  const store = storeFrom(settings);
  const maxBodyMb = integerSetting(settings, 'max-body-mb', 1);
  const maxInFlightMb = integerSetting(settings, 'max-in-flight-mb', 1);
  const memoryLimitMb = integerSetting(settings, 'memory-limit-mb', 64);
  const receiver = await startReceiver({
    store,
    host: settings.host,
    port: integerSetting(settings, 'port', 0),
    authToken: settings.token,
    corsAllowedOrigins: settings['cors-origin']?.split(',').map((origin) => origin.trim()),
    maxBodyBytes: maxBodyMb === undefined ? undefined : maxBodyMb * MiB,
    maxInFlightBytes: maxInFlightMb === undefined ? undefined : maxInFlightMb * MiB,
    memoryLimitBytes: (memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB) * MiB,
    maxBufferSize: integerSetting(settings, 'max-buffer', 1),
    maxBatchSize: integerSetting(settings, 'max-batch', 1),
    limits: limitsFrom(settings),
    onDrop: (drop) => print(`dropped ${drop.count} ${drop.signal} (${drop.reason}): ${drop.error.message}`),
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  print(
    `otel-bridge listening on ${receiver.url} (OTLP/HTTP: /v1/traces /v1/logs /v1/metrics), store: ${describeStore(store, settings)}`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      print(`${signal}: draining…`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await receiver.close();
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
    else if (command === 'query') await runQuery(settings, rest, print);
    else throw new ConfigurationError(`unknown command ${JSON.stringify(command)}; see otel-bridge --help`);
    return 0;
  } catch (error) {
    printError(
      `otel-bridge: ${error instanceof OtelBridgeError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
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
