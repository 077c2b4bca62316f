import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startReceiver } from '../../../src/receiver/server';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { createViewerHandler } from '../../../src/viewer/assets';
import { buildViewerBundle } from '../../support/browser';
import { send } from '../../support/http';

/** How the viewer's page and bundle are served: headers, compression, methods, and what is not theirs. */

let bundle: string;
let server: Server;
let url: string;

/** A server with the viewer's handler, and a 418 for every path that the handler leaves alone. */
async function serveWith(handler: ReturnType<typeof createViewerHandler>): Promise<{ server: Server; url: string }> {
  const listening = createServer((request, response) => {
    if (handler(request, response)) return;
    response.writeHead(418).end();
  });
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  return { server: listening, url: `http://127.0.0.1:${(listening.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  bundle = await buildViewerBundle();
  ({ server, url } = await serveWith(createViewerHandler({ assetsDirectory: bundle })));
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(bundle, { recursive: true, force: true });
});

describe("the viewer's assets", () => {
  it('serve the page with a policy that keeps it to its own origin, and name the hashed script and stylesheet', async () => {
    const page = await send(url, { method: 'GET', path: '/' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toMatch(
      /default-src 'self'; script-src 'self';.*connect-src 'self'/,
    );
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const html = page.body.toString();
    const script = /src="assets\/(app-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    const style = /href="assets\/(app-[A-Z0-9]+\.css)"/.exec(html)?.[1];
    expect(readdirSync(bundle).sort()).toEqual([script, style, 'index.html'].sort());
    expect((await send(url, { method: 'GET', path: '/index.html' })).body.toString()).toBe(html);

    const js = await send(url, { method: 'GET', path: `/assets/${script}` });
    expect([js.status, js.headers['content-type'], js.headers['cache-control']]).toEqual([
      200,
      'text/javascript; charset=utf-8',
      'public, max-age=31536000, immutable',
    ]);
    // Nothing loaded from elsewhere: no URL to another origin in the page or the script.
    expect(html).not.toMatch(/https?:\/\//);
    expect(js.body.toString()).not.toMatch(/(src|href)=["']https?:/);
    const css = await send(url, { method: 'GET', path: `/assets/${style}` });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('compress for a client that takes gzip, and answer HEAD without a body', async () => {
    const plain = await send(url, { method: 'GET', path: '/' });
    const zipped = await send(url, { method: 'GET', path: '/', headers: { 'Accept-Encoding': 'gzip, br' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.body).toString()).toBe(plain.body.toString());
    const head = await send(url, { method: 'HEAD', path: '/' });
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([
      200,
      String(plain.body.length),
      0,
    ]);
  });

  it('refuse other methods and unknown files, and leave every other path to the next handler', async () => {
    const post = await send(url, { method: 'POST', path: '/', body: 'x' });
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);
    expect((await send(url, { method: 'GET', path: '/assets/..%2fpackage.json' })).status).toBe(404);
    expect((await send(url, { method: 'GET', path: '/assets/nothing.js' })).status).toBe(404);
    for (const path of ['/api/v1/traces', '/v1/traces', '/health', '/favicon.ico'])
      expect([path, (await send(url, { method: 'GET', path })).status]).toEqual([path, 418]);
  });

  it('say how to build the bundle when it is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'otel-bridge-no-viewer-'));
    const unbuilt = await serveWith(createViewerHandler({ assetsDirectory: empty }));
    try {
      const page = await send(unbuilt.url, { method: 'GET', path: '/' });
      expect([page.status, page.body.toString()]).toEqual([
        503,
        `the viewer is not built: run npm run build (it writes ${empty})\n`,
      ]);
    } finally {
      await new Promise((resolve) => unbuilt.server.close(resolve));
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('are on the receiver’s port unless it is told otherwise', async () => {
    const store = new DuckDBStore({ path: ':memory:' });
    const withViewer = await startReceiver({ store, port: 0, viewer: { assetsDirectory: bundle } });
    const without = await startReceiver({ store, port: 0, viewer: false });
    try {
      expect((await send(withViewer.url, { method: 'GET', path: '/' })).status).toBe(200);
      // Without it, `/` is OTLP's: a path it does not know.
      expect((await send(without.url, { method: 'GET', path: '/' })).status).toBe(404);
    } finally {
      await withViewer.close();
      await without.close();
      await store.close();
    }
  });
});
