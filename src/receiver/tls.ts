import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../errors';

/** Where the receiver's certificate chain and private key are, as PEM files. */
export interface TlsOptions {
  certFile: string;
  keyFile: string;
}

/** A certificate chain and its private key, in PEM, as both transports take them. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

function read(what: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigurationError(`cannot read the TLS ${what} ${JSON.stringify(path)}: ${(error as Error).message}`);
  }
}

/** Reads both files, or names the one that cannot be read. */
export function readTls(options: TlsOptions): TlsFiles {
  if (!options.certFile || !options.keyFile)
    throw new ConfigurationError('TLS needs both a certificate file and a key file');
  return { cert: read('certificate', options.certFile), key: read('key', options.keyFile) };
}
