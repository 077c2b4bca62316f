import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const ROOT = join(__dirname, '..', '..');
/** Debian's Chromium, which `.ci/run` installs when it is missing. */
export const CHROMIUM = '/usr/bin/chromium';
/** Where the browser tests save their screenshots (git-ignored). */
export const SCREENSHOTS = join(ROOT, 'test-output', 'viewer');

/**
 * Bundles the viewer from its sources into a fresh folder, as `npm run build` does into
 * `dist/viewer`: the test serves what the sources are now, whatever was built before.
 */
export async function buildViewerBundle(): Promise<string> {
  const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-viewer-'));
  await promisify(execFile)(process.execPath, [join(ROOT, 'src', 'viewer', 'build.mjs'), directory]);
  return directory;
}

export interface BrowserSession {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * A headless Chromium with a fresh, empty profile (its `--user-data-dir`, which Playwright takes as
 * the persistent context's folder), that reaches nothing but what a page asks for.
 */
export async function launchChromium(): Promise<BrowserSession> {
  const profile = mkdtempSync(join(tmpdir(), 'otel-bridge-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A new tab (its own `sessionStorage`), collecting the page's errors in `problems`. */
export async function openPage(context: BrowserContext, url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  await page.goto(url);
  return { page, problems };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}
