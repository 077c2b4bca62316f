import { existsSync, readFileSync, readdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { PathHandler } from '../receiver/http/server';

/**
 * Serves the viewer's bundle (`npm run build` writes it to `dist/viewer`): the page at `/`, its
 * script and stylesheet under `/assets/`. The files are read once, into memory (about 70 kB
 * compressed), so that a request never touches the disk and no path from a request reaches it.
 */

export interface ViewerAssetOptions {
  /** The bundle's folder. Default: the package's own `dist/viewer`. */
  assetsDirectory?: string;
}

interface Asset {
  body: Buffer;
  gzipped: Buffer;
  type: string;
  cache: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The page may load only its own script and styles, and talk only to its own origin. */
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** The folder holding this package's `package.json`, from wherever this file runs (`src/` or `dist/src/`). */
function packageRoot(): string {
  let directory = __dirname;
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) return __dirname;
    directory = parent;
  }
  return directory;
}

export const DEFAULT_ASSETS_DIRECTORY = join(packageRoot(), 'dist', 'viewer');

function load(directory: string): Map<string, Asset> | null {
  if (!existsSync(join(directory, 'index.html'))) return null;
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(directory)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(directory, name));
    const page = name === 'index.html';
    assets.set(page ? '/' : `/assets/${name}`, {
      body,
      gzipped: gzipSync(body),
      type,
      // The script and stylesheet have content hashes in their names; the page names the current ones.
      cache: page ? 'no-cache' : 'public, max-age=31536000, immutable',
    });
  }
  return assets;
}

function send(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  headers: Record<string, string | number>,
  body: Buffer,
): void {
  response.writeHead(status, { ...headers, 'Content-Length': body.length });
  response.end(request.method === 'HEAD' ? undefined : body);
}

/**
 * The viewer's page and assets, as a handler that answers `/`, `/index.html` and `/assets/…`
 * and leaves every other path alone. The page asks for the API's token itself, so these paths need
 * none.
 *
 * @example
 * ```ts
 * const viewer = createViewerHandler();
 * const api = createApiHandler({ pipeline: exporter.pipeline });
 * createServer((request, response) => {
 *   if (api(request, response) || viewer(request, response)) return;
 *   // … the app's own routes …
 * }).listen(3000);
 * ```
 */
export function createViewerHandler(options: ViewerAssetOptions = {}): PathHandler {
  const directory = options.assetsDirectory ?? DEFAULT_ASSETS_DIRECTORY;
  const assets = load(directory);
  return (request, response) => {
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    let path = query < 0 ? url : url.slice(0, query);
    if (path === '/index.html') path = '/';
    if (path !== '/' && !path.startsWith('/assets/')) return false;
    const text = { 'Content-Type': 'text/plain; charset=utf-8' };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(
        request,
        response,
        405,
        { ...text, Allow: 'GET, HEAD' },
        Buffer.from(`method ${request.method} is not allowed on ${path}; use GET\n`),
      );
      return true;
    }
    if (assets === null) {
      send(
        request,
        response,
        503,
        text,
        Buffer.from(`the viewer is not built: run npm run build (it writes ${directory})\n`),
      );
      return true;
    }
    const asset = assets.get(path);
    if (!asset) {
      send(request, response, 404, text, Buffer.from(`no such file ${path}\n`));
      return true;
    }
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    const headers: Record<string, string> = {
      'Content-Type': asset.type,
      'Cache-Control': asset.cache,
      Vary: 'Accept-Encoding',
    };
    if (path === '/') Object.assign(headers, PAGE_HEADERS);
    if (gzip) headers['Content-Encoding'] = 'gzip';
    send(request, response, 200, headers, gzip ? asset.gzipped : asset.body);
    return true;
  };
}
