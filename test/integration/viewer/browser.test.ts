import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { FeedbackListSchema } from '../../../src/api/schemas';
import { DefaultExporter } from '../../../src/exporters/default-exporter';
import { startReceiver, type ReceiverHandle } from '../../../src/receiver/server';
import { DuckDBStore } from '../../../src/storage/duckdb/store';
import { startViewer } from '../../../src/viewer/server';
import { apiGet, apiPost } from '../../support/api';
import { buildViewerBundle, launchChromium, openPage, screenshot, type BrowserSession } from '../../support/browser';
import { spawnTypeScript } from '../../support/ts-node';
import { makeSpan } from '../../support/records';
import { ANSWER, AgentApp, type AgentTurn } from './agent-trace';

/**
 * The viewer in a real Chromium (Debian's, driven by playwright-core), over a receiver that took an
 * agent's telemetry through OTLP: what a person sees and does on each page.
 */

const SPANS_IN_BIG_TRACE = 5000;

let bundle: string;
let directory: string;
let path: string;
let store: DuckDBStore;
let receiver: ReceiverHandle;
let chromium: BrowserSession;
let app: AgentApp;
let turn: AgentTurn;
let laterTurn: AgentTurn;
let big: { traceId: string; last: string };

/** An attribute of each element a locator finds, in order. */
async function attributesOf(locator: Locator, name: string): Promise<(string | null)[]> {
  const count = await locator.count();
  return Promise.all(Array.from({ length: count }, (_, index) => locator.nth(index).getAttribute(name)));
}

/** The rows of the waterfall that are in the DOM, in order: span id, depth and name. */
async function waterfallRows(page: Page): Promise<{ id: string; depth: number; name: string }[]> {
  const rows = page.locator('.span-row');
  const [ids, depths, names] = await Promise.all([
    attributesOf(rows, 'data-span-id'),
    attributesOf(rows, 'data-depth'),
    rows.locator('.name').allTextContents(),
  ]);
  return ids.map((id, index) => ({ id: id ?? '', depth: Number(depths[index]), name: names[index] ?? '' }));
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'otel-bridge-viewer-test-'));
  path = join(directory, 'viewer.duckdb');
  [bundle, chromium] = await Promise.all([buildViewerBundle(), launchChromium()]);
  store = new DuckDBStore({ path });
  receiver = await startReceiver({ store, port: 0, viewer: { assetsDirectory: bundle } });
  app = new AgentApp(receiver.url);
  turn = app.turn('session-1', -120_000);
  laterTurn = app.turn('session-1', -60_000, 'And tomorrow?', 'Tomorrow looks sunny.');
  big = app.bigTrace(SPANS_IN_BIG_TRACE);
  await app.flush();
  // Feedback from the app's front end, on the tool call.
  const posted = await apiPost(receiver.url, '/v1/feedback', {
    traceId: turn.traceId,
    spanId: turn.tool,
    feedbackType: 'thumbs',
    value: -1,
    userId: 'user-7',
    comment: 'wrong forecast',
  });
  expect(posted.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await app?.shutdown();
  await chromium?.close();
  await receiver?.close();
  await store?.close();
  rmSync(directory, { recursive: true, force: true });
  rmSync(bundle, { recursive: true, force: true });
});

describe('the viewer, over a receiver that took an agent trace through OTLP', () => {
  it('lists the trace, and opens it as a waterfall in the right nesting', async () => {
    const { page, problems } = await openPage(chromium.context, `${receiver.url}/`);
    const row = page.locator(`tr[data-trace-id="${turn.traceId}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('invoke_agent weather-agent');
    await expect(row.textContent()).resolves.toContain('weather-app');
    await expect(page.locator('table.traces tbody tr').count()).resolves.toBe(3);
    await screenshot(page, 'traces');

    await row.locator('a').click();
    await page.locator('.span-row').first().waitFor();
    expect(await waterfallRows(page)).toEqual([
      { id: turn.agent, depth: 0, name: 'invoke_agent weather-agent' },
      { id: turn.firstChat, depth: 1, name: 'chat gpt-4o-mini' },
      { id: turn.tool, depth: 1, name: 'execute_tool get_weather' },
      { id: turn.secondChat, depth: 1, name: 'chat gpt-4o-mini' },
    ]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows a model span as a conversation with its model and tokens, and the error, the score and the feedback on their spans', async () => {
    const { page, problems } = await openPage(chromium.context, `${receiver.url}/#/trace/${turn.traceId}`);
    const span = (id: string) => page.locator(`.span-row[data-span-id="${id}"]`);
    await span(turn.firstChat).click();
    const details = page.locator('aside.details');
    await expect(details.locator('.model-name').textContent()).resolves.toBe('gpt-4o-mini');
    await expect(details.locator('.tokens').textContent()).resolves.toBe('30 in · 12 out · 42 total');
    const input = details.locator('.payload-input .conversation');
    await expect(attributesOf(input.locator('li'), 'data-role')).resolves.toEqual(['system', 'user']);
    await expect(input.locator('[data-role="user"]').textContent()).resolves.toContain('What is the weather in Kyoto?');
    const output = details.locator('.payload-output .conversation [data-role="assistant"]');
    await expect(output.locator('.part-tool-call').textContent()).resolves.toMatch(/tool call\s*get_weather/);
    await expect(output.locator('.part-tool-call').textContent()).resolves.toContain('Kyoto');

    // The failing tool call stands out in the waterfall, and its details say why.
    await expect(span(turn.tool).getAttribute('class')).resolves.toContain('has-error');
    await expect(span(turn.tool).locator('.error-mark').count()).resolves.toBe(1);
    await expect(span(turn.agent).locator('.error-mark').count()).resolves.toBe(0);
    await expect(page.locator('.trace-header .badge.error').textContent()).resolves.toBe('1 error');
    await span(turn.tool).click();
    await expect(details.locator('.error-box').textContent()).resolves.toContain('weather API timed out');
    // The int 200 and the string "200" look different.
    const attribute = (key: string) =>
      details.locator('table.attributes tr', { has: page.locator(`th:text-is("${key}")`) });
    await expect(attribute('http.response.status_code').locator('td').textContent()).resolves.toBe('200int');
    await expect(attribute('weather.retry_label').locator('td').textContent()).resolves.toBe('"200"string');

    // The feedback is on the tool call, the score on the second model call; neither elsewhere.
    await expect(details.locator('.feedback-item').textContent()).resolves.toMatch(
      /thumbs = -1 from user-7 — wrong forecast/,
    );
    await expect(span(turn.tool).locator('.badge[title="feedback"]').textContent()).resolves.toBe('✎1');
    await expect(span(turn.secondChat).locator('.badge[title="scores"]').textContent()).resolves.toBe('★1');
    for (const other of [turn.agent, turn.firstChat])
      await expect(span(other).locator('.badge').count()).resolves.toBe(0);
    await span(turn.secondChat).click();
    await expect(details.locator('.score').textContent()).resolves.toMatch(
      /answer-relevance = 0\.6 — no live weather data/,
    );
    await expect(details.locator('.payload-output [data-role="assistant"]').textContent()).resolves.toContain(ANSWER);
    await expect(
      details.locator('.payload-input [data-role="tool"] .part-tool-result').textContent(),
    ).resolves.toContain('timed out');
    await screenshot(page, 'model-span');

    // The trace's logs in time order, each marked with its span; choosing one selects the span.
    const logs = page.locator('.trace-logs tbody tr');
    await expect(logs.locator('.message').allTextContents()).resolves.toEqual([
      'agent started',
      'tool failed, answering from memory',
      // An event without a body shows its name.
      'gen_ai.evaluation.result',
    ]);
    await logs.nth(1).locator('.span-marker').click();
    await expect(page.locator('.span-row.selected').getAttribute('data-span-id')).resolves.toBe(turn.tool);
    await expect(logs.nth(1).getAttribute('class')).resolves.toContain('selected');

    // Nanosecond times.
    await expect(details.locator('.nanos').first().textContent()).resolves.toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/,
    );
    await screenshot(page, 'trace');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('records feedback from the page, and shows it on the span', async () => {
    const { page, problems } = await openPage(
      chromium.context,
      `${receiver.url}/#/trace/${turn.traceId}?span=${turn.agent}`,
    );
    const details = page.locator('aside.details');
    await details.locator('input[name="comment"]').fill('helpful answer');
    await details.locator('button[name="thumbs-up"]').click();
    await details.locator('.feedback-form .ok').waitFor();
    const stored = await apiGet(
      receiver.url,
      `/api/v1/feedback?traceId=${turn.traceId}&spanId=${turn.agent}`,
      FeedbackListSchema,
    );
    expect(stored.feedback).toEqual([
      expect.objectContaining({
        feedbackType: 'thumbs',
        value: 1,
        comment: 'helpful answer',
        source: 'viewer',
        spanId: turn.agent,
      }),
    ]);
    await details.locator('.feedback-item').waitFor();
    await expect(details.locator('.feedback-item').textContent()).resolves.toContain('helpful answer');
    await expect(
      page.locator(`.span-row[data-span-id="${turn.agent}"] .badge[title="feedback"]`).textContent(),
    ).resolves.toBe('✎1');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('filters the list: errors only, by name, by session', async () => {
    const { page, problems } = await openPage(chromium.context, `${receiver.url}/#/traces?errors=1`);
    // Each turn's tool call failed, not its agent run: errors only lists both turns, by any span's error.
    await page.locator(`tr[data-trace-id="${turn.traceId}"]`).waitFor();
    expect(new Set(await attributesOf(page.locator('table.traces tbody tr'), 'data-trace-id'))).toEqual(
      new Set([turn.traceId, laterTurn.traceId]),
    );
    await page.goto(`${receiver.url}/#/traces?name=BIG`);
    await page.locator(`tr[data-trace-id="${big.traceId}"]`).waitFor();
    await expect(page.locator('table.traces tbody tr').count()).resolves.toBe(1);
    await page.goto(`${receiver.url}/#/traces?sessionId=session-1`);
    await page.locator(`tr[data-trace-id="${laterTurn.traceId}"]`).waitFor();
    await expect(page.locator('table.traces tbody tr').count()).resolves.toBe(2);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('lists a trace whose root never arrived by its earliest span, marked, with the trace totals', async () => {
    const orphan = makeSpan({ name: 'orphan child', parentSpanId: '00000000000000aa', serviceName: 'late-service' });
    await store.batchCreateSpans({ spans: [orphan] });
    const { page, problems } = await openPage(chromium.context, `${receiver.url}/#/traces?service=late-service`);
    const row = page.locator(`tr[data-trace-id="${orphan.traceId}"]`);
    await row.waitFor();
    await expect(row.locator('.badge.warn').textContent()).resolves.toBe('no root');
    await expect(row.textContent()).resolves.toContain('orphan child');
    // Another trace, with its root: no mark.
    await page.goto(`${receiver.url}/#/traces`);
    await page.locator(`tr[data-trace-id="${turn.traceId}"]`).waitFor();
    await expect(page.locator(`tr[data-trace-id="${turn.traceId}"] .badge.warn`).count()).resolves.toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows a session as one conversation, oldest turn first', async () => {
    const { page, problems } = await openPage(chromium.context, `${receiver.url}/#/sessions`);
    await page.locator('a[href="#/session/session/session-1"]').click();
    await page.locator('.turn').nth(1).waitFor();
    await expect(attributesOf(page.locator('.turn'), 'data-trace-id')).resolves.toEqual([
      turn.traceId,
      laterTurn.traceId,
    ]);
    const text = (index: number, role: string) =>
      page.locator('.turn').nth(index).locator(`[data-role="${role}"]`).textContent();
    await expect(text(0, 'user')).resolves.toContain('What is the weather in Kyoto?');
    await expect(text(0, 'assistant')).resolves.toContain(ANSWER);
    await expect(text(1, 'user')).resolves.toContain('And tomorrow?');
    await expect(text(1, 'assistant')).resolves.toContain('Tomorrow looks sunny.');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('searches logs and links each to its trace', async () => {
    const { page, problems } = await openPage(chromium.context, `${receiver.url}/#/logs?level=warn`);
    const rows = page.locator('table.logs tbody tr');
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBe(2);
    await page.locator('input[name="search"]').fill('TOOL FAILED');
    await page.locator('input[name="search"]').press('Enter');
    await page.waitForURL(/search=TOOL/);
    await page.locator('table.logs').waitFor();
    await expect(rows.count()).resolves.toBe(2);
    await rows.first().locator('a.trace-link').click();
    await page.locator('.span-row.selected').waitFor();
    await expect(page.locator('.span-row.selected .name').textContent()).resolves.toBe('execute_tool get_weather');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('charts a metric over time, and a histogram as its distribution', async () => {
    const { page, problems } = await openPage(chromium.context, `${receiver.url}/#/metrics`);
    await page
      .locator('select[name="metric"] option[value="gen_ai.client.token.usage"]')
      .waitFor({ state: 'attached' });
    await page.locator('select[name="metric"]').selectOption('gen_ai.client.token.usage');
    await page.locator('.chart canvas').first().waitFor();
    await expect(page.locator('select[name="field"]').inputValue()).resolves.toBe('sum');
    const distribution = page.locator('.distribution');
    await distribution.locator('canvas').waitFor();
    // 42 and 75, twice each: 2 in 20–50, 2 in 50–100.
    await expect(distribution.textContent()).resolves.toMatch(/Bucket counts of \d+ points? in this range/);
    await page.locator('select[name="groupBy"]').selectOption('gen_ai.token.type');
    await page.waitForURL(/groupBy=gen_ai.token.type/);
    await page.locator('.chart .u-legend', { hasText: 'gen_ai.token.type="input"' }).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it("lists scores, and charts each scorer's average over time", async () => {
    const { page, problems } = await openPage(chromium.context, `${receiver.url}/#/scores`);
    await page.locator('table.scores tbody tr').first().waitFor();
    await expect(page.locator('table.scores tbody tr').count()).resolves.toBe(2);
    await expect(page.locator('table.scores tbody').textContent()).resolves.toContain('answer-relevance');
    await page.locator('.score-chart canvas').waitFor();
    await expect(page.locator('.score-chart .u-legend').textContent()).resolves.toContain('answer-relevance');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('scrolls a trace of 5,000 spans with only the rows in view in the DOM', async () => {
    const { page, problems } = await openPage(chromium.context, `${receiver.url}/#/trace/${big.traceId}`);
    await page.locator('.span-row').first().waitFor();
    await expect(page.locator('.waterfall').getAttribute('aria-rowcount')).resolves.toBe(String(SPANS_IN_BIG_TRACE));
    const scroller = page.locator('.waterfall-rows');
    const counts: number[] = [];
    let reachedLast = false;
    for (let step = 0; step < 40 && !reachedLast; step++) {
      await scroller.hover();
      await page.mouse.wheel(0, (SPANS_IN_BIG_TRACE * 26) / 30);
      await page.waitForFunction("document.querySelectorAll('.span-row').length > 0");
      counts.push(await page.locator('.span-row').count());
      reachedLast = (await page.locator(`.span-row[data-span-id="${big.last}"]`).count()) === 1;
    }
    expect(reachedLast).toBe(true);
    expect(Math.max(...counts)).toBeLessThan(80);
    const rows = await waterfallRows(page);
    // The root, 49 groups, and leaves 0 to 4949.
    expect(rows.at(-1)).toEqual({ id: big.last, depth: 2, name: `leaf ${SPANS_IN_BIG_TRACE - 51}` });
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000); // 5,000 spans sent, stored and rendered: slow on shared cores.
});

describe('the trace list and a trace, over traces written to the store', () => {
  /** The trace ids of the list's rows, in order: read at once, as the list may re-render between two reads. */
  const listed = (page: Page) =>
    page
      .locator('table.traces tbody tr')
      .evaluateAll((rows: { getAttribute(name: string): string | null }[]) =>
        rows.map((row) => row.getAttribute('data-trace-id') ?? ''),
      );
  /** The list's rows once they are `expected` (the list reloads after a filter changes), or after 10 s. */
  const listedAs = async (page: Page, expected: string[]) => {
    const deadline = Date.now() + 10_000;
    let ids = await listed(page);
    while (JSON.stringify(ids) !== JSON.stringify(expected) && Date.now() < deadline) {
      await page.waitForTimeout(100);
      ids = await listed(page);
    }
    return ids;
  };

  it('shows a trace sent after the page opened, in live mode, without a reload', async () => {
    const { page, problems } = await openPage(chromium.context, `${receiver.url}/#/traces?live=1&service=live-svc`);
    await page.locator('text=No traces match.').waitFor();
    const late = makeSpan({ serviceName: 'live-svc', name: 'arrived later' });
    await store.batchCreateSpans({ spans: [late] });
    await page.locator(`tr[data-trace-id="${late.traceId}"]`).waitFor({ timeout: 15_000 });
    await expect(page.locator(`tr[data-trace-id="${late.traceId}"]`).getAttribute('class')).resolves.toContain('fresh');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('pages: the next page shows the older traces, none of the first', async () => {
    const spans = Array.from({ length: 53 }, (_, i) =>
      makeSpan({ serviceName: 'paged', startTimeUnixNano: BigInt(Date.now() - 600_000 + i) * 1_000_000n }),
    );
    await store.batchCreateSpans({ spans });
    const newest = spans.map((span) => span.traceId).reverse();
    const { page, problems } = await openPage(chromium.context, `${receiver.url}/#/traces?service=paged`);
    await page.locator(`tr[data-trace-id="${newest[0]}"]`).waitFor();
    await expect(listed(page)).resolves.toEqual(newest.slice(0, 50));
    await page.locator('nav.pager button', { hasText: 'older' }).click();
    await page.locator(`tr[data-trace-id="${newest[50]}"]`).waitFor();
    await expect(listed(page)).resolves.toEqual(newest.slice(50));
    expect(problems).toEqual([]);
    await page.close();
  });

  it("orders by cost, keeps those at least a min cost, and shows a span's cost and its source", async () => {
    const costs = [0.5, null, 2];
    const spans = costs.map((totalCost, i) =>
      makeSpan({
        serviceName: 'priced',
        name: `priced ${i}`,
        startTimeUnixNano: BigInt(Date.now() - 300_000 + i) * 1_000_000n,
        inputCost: totalCost === null ? null : totalCost / 4,
        outputCost: totalCost === null ? null : (totalCost * 3) / 4,
        totalCost,
        costSource: totalCost === null ? null : 'reported',
      }),
    );
    await store.batchCreateSpans({ spans });
    const ids = spans.map((span) => span.traceId);
    const { page, problems } = await openPage(chromium.context, `${receiver.url}/#/traces?service=priced`);
    await page.locator(`tr[data-trace-id="${ids[0]}"]`).waitFor();
    await expect(listed(page)).resolves.toEqual([ids[2], ids[1], ids[0]]);
    await page.selectOption('select[name="orderBy"]', 'cost');
    await page.waitForURL(/orderBy=cost/);
    expect(await listedAs(page, [ids[2]!, ids[0]!, ids[1]!])).toEqual([ids[2], ids[0], ids[1]]);
    await page.fill('input[name="min cost"]', '1');
    await page.press('input[name="min cost"]', 'Enter');
    expect(await listedAs(page, [ids[2]!])).toEqual([ids[2]]);

    await page.locator(`tr[data-trace-id="${ids[2]}"] a`).click();
    await page.locator(`.span-row[data-span-id="${spans[2]!.spanId}"]`).click();
    const cost = page.locator('aside.details .cost');
    await expect(cost.textContent()).resolves.toBe('$2.00 (in $0.500, out $1.50) reported');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('filters by service, user and text, and a span link opens the linked trace', async () => {
    const start = BigInt(Date.now() - 200_000) * 1_000_000n;
    const target = makeSpan({
      serviceName: 'linked-svc',
      name: 'the linked one',
      userId: 'user-link',
      startTimeUnixNano: start,
    });
    const source = makeSpan({
      serviceName: 'linked-svc',
      name: 'the linking one',
      startTimeUnixNano: start + 1_000_000n,
      links: [
        {
          traceId: target.traceId,
          spanId: target.spanId,
          traceState: '',
          flags: 0,
          attributes: {},
          droppedAttributesCount: 0,
        },
      ],
    });
    await store.batchCreateSpans({ spans: [target, source] });
    // The service comes in the route: the service select's choices may be read before this service was stored.
    const { page, problems } = await openPage(chromium.context, `${receiver.url}/#/traces?service=linked-svc`);
    await page.locator(`tr[data-trace-id="${target.traceId}"]`).waitFor();
    // The newest first: the linking trace starts after the one it links to.
    expect(await listedAs(page, [source.traceId, target.traceId])).toEqual([source.traceId, target.traceId]);
    await page.fill('input[name="user"]', 'user-link');
    await page.press('input[name="user"]', 'Enter');
    expect(await listedAs(page, [target.traceId])).toEqual([target.traceId]);
    await page.fill('input[name="user"]', '');
    await page.press('input[name="user"]', 'Enter');
    await page.fill('input[name="name contains"]', 'LINKING');
    await page.press('input[name="name contains"]', 'Enter');
    expect(await listedAs(page, [source.traceId])).toEqual([source.traceId]);

    await page.locator(`tr[data-trace-id="${source.traceId}"] a`).click();
    await page.locator(`.span-row[data-span-id="${source.spanId}"]`).click();
    await page.locator('aside.details a.trace-link').click();
    await page.waitForURL(new RegExp(`#/trace/${target.traceId}`));
    await page.locator(`.span-row[data-span-id="${target.spanId}"]`).waitFor();
    await expect(page.locator(`.span-row[data-span-id="${target.spanId}"]`).textContent()).resolves.toContain(
      'the linked one',
    );
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('a viewer with a token', () => {
  it('asks for the token once, and keeps it for the browser session', async () => {
    const viewer = await startViewer({ store, port: 0, authToken: 's3cret', assetsDirectory: bundle });
    try {
      const { page, problems } = await openPage(chromium.context, viewer.url);
      const dialog = page.locator('form.token-dialog');
      await dialog.waitFor();
      await dialog.locator('input[name="token"]').fill('wrong');
      await dialog.locator('button[type="submit"]').click();
      await expect(dialog.textContent()).resolves.toContain('The token was not accepted.');
      await dialog.locator('input[name="token"]').fill('s3cret');
      await dialog.locator('button[type="submit"]').click();
      await page.locator(`tr[data-trace-id="${turn.traceId}"]`).waitFor();
      await expect(page.evaluate("sessionStorage.getItem('otel-bridge.token')")).resolves.toBe('s3cret');
      await expect(page.evaluate('localStorage.length')).resolves.toBe(0);
      // Another page of the same session asks no more.
      await page.reload();
      await page.locator(`tr[data-trace-id="${turn.traceId}"]`).waitFor();
      await expect(dialog.count()).resolves.toBe(0);
      // Problems: the two 401s the page met before it had the token.
      expect(problems.filter((problem) => !/401/.test(problem))).toEqual([]);
      await page.close();
    } finally {
      await viewer.close();
    }
  });
});

describe('an app that embeds the DefaultExporter', () => {
  it('starts the viewer in its own process with one call, and feedback from the page goes through its pipeline', async () => {
    const storage = new DuckDBStore({ path: ':memory:' });
    const exporter = new DefaultExporter({ storage });
    const tracing = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter.spanExporter)] });
    const span = tracing.getTracer('shop').startSpan('checkout');
    span.end();
    await tracing.forceFlush();
    const { traceId, spanId } = span.spanContext();
    const viewer = await startViewer({ pipeline: exporter.pipeline, port: 0, assetsDirectory: bundle });
    try {
      const { page, problems } = await openPage(chromium.context, viewer.url);
      await page.locator(`tr[data-trace-id="${traceId}"] a`).click();
      await page.locator(`.span-row[data-span-id="${spanId}"]`).click();
      await page.locator('aside.details button[name="thumbs-down"]').click();
      await page.locator('aside.details .feedback-form .ok').waitFor();
      const { feedback } = await storage.listFeedback({ filter: { traceId } });
      expect(feedback).toEqual([
        expect.objectContaining({ spanId, feedbackType: 'thumbs', value: -1, source: 'viewer' }),
      ]);
      expect(exporter.stats.feedback.committed).toBe(1);
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await viewer.close();
      await tracing.shutdown();
      await exporter.shutdown();
      await storage.close();
    }
  }, 120_000); // A second DuckDB file, exporter and viewer in this process.
});

describe('otel-bridge view', () => {
  it('serves the viewer over a DuckDB file read-only, after the writer stopped', async () => {
    await app.flush();
    await receiver.close();
    await store.close();
    const child = spawnTypeScript(
      'src/cli/main.ts',
      ['view', '--duckdb-path', path, '--port', '0', '--viewer-dir', bundle],
      directory,
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const match = /viewer on (http:\/\/\S+)/.exec(output);
          if (match) resolve(match[1]!);
        });
        child.on('exit', (code) => reject(new Error(`view exited with ${code}: ${output}`)));
      });
      expect(output).toMatch(/read-only/);
      const { page } = await openPage(chromium.context, url);
      await page.locator(`tr[data-trace-id="${turn.traceId}"] a`).click();
      await page.locator(`.span-row[data-span-id="${turn.tool}"]`).click();
      await expect(page.locator('aside.details .error-box').textContent()).resolves.toContain('weather API timed out');
      // Nothing is written: the feedback button says so.
      await page.locator('aside.details button[name="thumbs-up"]').click();
      await expect(page.locator('aside.details .feedback-form .failure').textContent()).resolves.toMatch(/read-only/);
      await page.close();
      const ingest = await apiPost(url.replace(/\/$/, ''), '/v1/traces', '{}');
      expect(ingest.status).toBe(404);
    } finally {
      // A child that already exited emits no second 'exit'; its pipes are destroyed so no handle outlives the test.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      child.stdout.destroy();
      child.stderr.destroy();
    }
    expect(output).toMatch(/stopped/);
    // The file still opens for writing afterwards: view held no lock beyond its run, and wrote nothing.
    const reopened = new DuckDBStore({ path });
    await reopened.init();
    await expect(reopened.getTrace(turn.traceId)).resolves.toMatchObject({ traceId: turn.traceId });
    await reopened.close();
    // Spawning ts-node and a cold DuckDB open took 32 s alone, over 60 s on 2 shared cores.
  }, 180_000);
});
