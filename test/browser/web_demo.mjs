// Headless-browser test of the podshare web demo.
//
//   node test/browser/web_demo.mjs <path-to-web-demo-binary> [screenshot.png]
//
// Starts `<binary> --port-start BASE` (pods 1..3 on BASE..BASE+2), drives
// pod 1's and pod 2's pages in Chromium through puppeteer-core and checks that
// writes, deletes and an SSE reconnect reach the other page live. With a
// screenshot path it also renders the three pages side by side into a PNG.
//
// Pod 2's page is loaded through a small TCP relay in this process. DevTools
// offline mode only fails new requests: Chromium keeps an established
// EventSource stream open through it. So the relay cuts the stream while the
// page is offline, which is what a dropped network does to it.
// Prints `ok: ...` per step; exits 0 on success, 1 with `FAIL: ...` otherwise.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PODS = 3;
const OVERALL_MS = 90_000;
const READY_MS = 30_000;
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  // Without these Chromium calls Google, and the closed network refuses it.
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const startedAt = Date.now();
const run = { demo: null, browser: null, relay: null, tmpDirs: [], pageErrors: [], finishing: false };

const seconds = () => `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
const ok = (what) => console.log(`ok: ${what} [${seconds()}]`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const randomTag = () => Math.random().toString(16).slice(2, 10);
const podUrl = (i) => `http://127.0.0.1:${run.demo.base + i}/`;

/* ---------- the demo process ---------- */

// A base port whose PODS ports are all free right now (a race remains, so
// startDemo retries with another base if the binary exits early).
async function pickPortBase() {
  for (let tries = 0; tries < 50; tries++) {
    const base = 20000 + Math.floor(Math.random() * (40000 - PODS));
    const free = await Promise.all(Array.from({ length: PODS }, (_, i) => portIsFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('found no free port range in 20000-60000');
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

// The demo runs in its own process group, so killing the group also ends
// anything it started (e.g. when the "binary" is a wrapper script).
function spawnDemo(binary, base) {
  const child = spawn(binary, ['--port-start', String(base)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const demo = { child, base, output: [], exit: null, startError: null };
  const keep = (chunk) => {
    demo.output.push(...chunk.toString().split('\n').filter(Boolean));
    demo.output.splice(0, Math.max(0, demo.output.length - 60));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('error', (err) => { demo.startError = `could not start ${binary}: ${err.message}`; });
  child.on('exit', (code, signal) => { demo.exit = `exited with ${signal || `code ${code}`}`; });
  return demo;
}

async function podAnswers(port) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/state`, { signal: AbortSignal.timeout(2000) });
    return res.ok && typeof (await res.json()).pod_id === 'string';
  } catch {
    return false;
  }
}

async function waitReady(demo) {
  const deadline = Date.now() + READY_MS;
  while (Date.now() < deadline) {
    if (demo.startError) throw new Error(demo.startError);
    if (demo.exit) throw new Error(`the demo ${demo.exit} before serving`);
    const up = await Promise.all(Array.from({ length: PODS }, (_, i) => podAnswers(demo.base + i)));
    if (up.every(Boolean)) return;
    await sleep(200);
  }
  throw new Error(`the demo did not answer GET /api/state on ports ${demo.base}-${demo.base + PODS - 1} within ${READY_MS / 1000} s`);
}

async function startDemo(binary) {
  for (let attempt = 1; ; attempt++) {
    run.demo = spawnDemo(binary, await pickPortBase());
    try {
      await waitReady(run.demo);
      return;
    } catch (err) {
      // An early exit may be a port taken since we looked: try another base.
      if (!run.demo.exit || attempt === 3) throw err;
      console.log(`note: ${err.message}; retrying on other ports`);
      await stopDemo();
    }
  }
}

function killGroup(pid, signal) {
  try { process.kill(-pid, signal); } catch { /* already gone */ }
}

async function stopDemo() {
  const demo = run.demo;
  if (!demo || !demo.child.pid) return;
  killGroup(demo.child.pid, 'SIGTERM');
  for (let i = 0; i < 30 && !demo.exit; i++) await sleep(100);
  killGroup(demo.child.pid, 'SIGKILL');   // stragglers of the group, if any
  demo.stopped = true;
}

/* ---------- a relay that can drop pod 2's connections ---------- */

// Forwards 127.0.0.1:<its port> to a pod. cut() resets every connection and
// refuses new ones until restore(). It also notes the Last-Event-ID header of
// each /api/events request, to tell a resumed stream from a fresh one.
async function startRelay(targetPort) {
  const relay = { up: true, sockets: new Set(), lastEventIds: [], server: null, port: 0 };
  relay.server = net.createServer((client) => {
    if (!relay.up) return client.resetAndDestroy();
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      relay.sockets.add(socket);
      socket.on('close', () => relay.sockets.delete(socket));
      socket.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    client.on('data', (chunk) => noteLastEventId(relay, chunk.toString('latin1')));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve, reject) => {
    relay.server.once('error', reject);
    relay.server.listen(0, '127.0.0.1', resolve);
  });
  relay.port = relay.server.address().port;
  relay.cut = () => {
    relay.up = false;
    for (const socket of relay.sockets) socket.resetAndDestroy();
  };
  relay.restore = () => { relay.up = true; };
  run.relay = relay;
  return relay;
}

// Each /api/events request head in a chunk the browser sent (a kept-alive
// connection can carry it after other requests).
function noteLastEventId(relay, chunk) {
  for (const [head] of chunk.matchAll(/GET [^ ]*\/api\/events[^ ]* HTTP\/1\.[01]\r\n[\s\S]*?\r\n\r\n/g)) {
    const match = /\r\nlast-event-id: *([^\r]*)/i.exec(head);
    relay.lastEventIds.push(match ? match[1] : null);
  }
}

/* ---------- HTTP from node ---------- */

async function post(podIndex, endpoint, body) {
  const res = await fetch(`${podUrl(podIndex)}api/${endpoint}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  if (res.status !== 204) throw new Error(`POST /api/${endpoint} on pod ${podIndex + 1} answered ${res.status}: ${await res.text()}`);
}

/* ---------- browser ---------- */

async function launchBrowser() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'podshare-chromium-'));
  run.tmpDirs.push(userDataDir);
  run.browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir,
    args: CHROMIUM_ARGS,
    defaultViewport: { width: 1100, height: 800 },
    timeout: 30_000,
    protocolTimeout: 30_000,
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,   // ours clean up
  });
  return run.browser;
}

async function openPod(browser, podIndex, url = podUrl(podIndex)) {
  const page = await browser.newPage();
  page.on('pageerror', (err) => run.pageErrors.push(`pod ${podIndex + 1} page: ${err.message}`));
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 15_000 });
  return page;
}

// What a page shows, for failure messages.
function describe(pageOrFrame) {
  return pageOrFrame.evaluate(() => ({
    status: document.getElementById('status')?.textContent,
    keys: Array.from(document.querySelectorAll('#state tr[data-key]'), (tr) => tr.dataset.key),
    formError: document.getElementById('form-error')?.textContent,
  })).then(JSON.stringify, (err) => `(could not read the page: ${err.message})`);
}

// page.waitForFunction with a readable failure.
async function waitFor(pageOrFrame, what, ms, fn, ...args) {
  try {
    await pageOrFrame.waitForFunction(fn, { timeout: ms, polling: 100 }, ...args);
  } catch (err) {
    if (err.name !== 'TimeoutError') throw err;
    throw new Error(`timed out after ${ms / 1000} s waiting for ${what}; page shows ${await describe(pageOrFrame)}`);
  }
}

// In-page predicates (they run in the browser).
const statusIs = (text) => document.getElementById('status')?.textContent === text;
const rowValueIs = (key, value) => {
  const row = Array.from(document.querySelectorAll('#state tr[data-key]')).find((tr) => tr.dataset.key === key);
  return row !== undefined && (value === null || row.querySelector('.value')?.textContent === value);
};
const rowGone = (key) => !Array.from(document.querySelectorAll('#state tr[data-key]')).some((tr) => tr.dataset.key === key);

const waitStatus = (page, name, text, ms) => waitFor(page, `#status = "${text}" on ${name}`, ms, statusIs, text);
const waitRow = (page, name, key, value, ms) =>
  waitFor(page, `row ${key} = ${value} on ${name}`, ms, rowValueIs, key, value);
const waitRowGone = (page, name, key, ms) => waitFor(page, `row ${key} to leave ${name}`, ms, rowGone, key);

// A click needs rendered frames, which a background tab does not get.
async function press(page, selector) {
  await page.bringToFront();
  await page.click(selector);
}

async function fillInput(page, selector, text) {
  await page.$eval(selector, (input) => { input.value = ''; });
  if (text !== '') await page.type(selector, text);
}

/* ---------- the steps ---------- */

async function writeThroughForm(page1, page2) {
  const key = `browser-${randomTag()}`;
  await fillInput(page1, '#key', key);
  const counter = await page1.$eval('#value', (input) => input.value);
  await press(page1, '#write-form [type=submit]');
  const shown = JSON.stringify(JSON.parse(counter));
  await waitRow(page2, 'pod 2', key, shown, 10_000);
  ok(`${key} = ${shown} written with pod 1's form appeared live in pod 2's table`);

  const next = String(Number(counter) + 1);
  await waitFor(page1, `the value counter to become ${next}`, 5000,
    (want) => document.getElementById('value').value === want, next);
  ok(`pod 1's value counter went up to ${next}`);
  return key;
}

async function formShowsError(page1) {
  await fillInput(page1, '#key', '');
  await press(page1, '#write-form [type=submit]');
  await waitFor(page1, 'a 400 error text in #form-error', 5000,
    () => document.getElementById('form-error').textContent.trim() !== '');
  const text = await page1.$eval('#form-error', (node) => node.textContent);
  ok(`an empty key is refused and the error is shown: "${text}"`);
}

async function deleteFromOtherPage(page1, page2, key) {
  await press(page2, `#state tr[data-key="${key}"] button.delete`);
  await waitRowGone(page1, 'pod 1', key, 10_000);
  await waitRowGone(page2, 'pod 2', key, 10_000);
  ok(`${key} deleted with pod 2's button left pod 1's table`);
}

// Pod 1 wrote the key and pod 2 deleted it: each log marks only its own.
async function ownWritesMarked(page1, page2, key) {
  const entries = (page) => page.$$eval('#events li', (items, k) => items
    .filter((li) => li.querySelector('.key')?.textContent === k)
    .map((li) => `${li.classList.contains('delete') ? 'delete' : 'set'}${li.classList.contains('own') ? ' own' : ''}`), key);
  const [one, two] = [await entries(page1), await entries(page2)];
  const want1 = ['delete', 'set own'], want2 = ['delete own', 'set'];   // newest first
  if (String(one) !== String(want1) || String(two) !== String(want2)) {
    throw new Error(`event logs for ${key}: pod 1 ${JSON.stringify(one)} (want ${JSON.stringify(want1)}), ` +
                    `pod 2 ${JSON.stringify(two)} (want ${JSON.stringify(want2)})`);
  }
  ok('both event logs list the set and the delete, newest first, each marking its own pod\'s write');
}

// Take pod 2's page offline and drop its stream, write meanwhile, come back.
async function reconnect(page2, relay) {
  const streamsBefore = relay.lastEventIds.length;
  await page2.setOfflineMode(true);
  relay.cut();
  await waitStatus(page2, 'pod 2', 'reconnecting', 10_000);
  ok('pod 2 offline, its stream cut: #status reads "reconnecting"');

  const key = `offline-${randomTag()}`;
  const value = { n: Math.floor(Math.random() * 1e6) };
  await post(0, 'set', { key, value });
  await sleep(500);
  if (await page2.evaluate(rowValueIs, key, null)) {
    throw new Error(`pod 2's page got ${key} while offline: its stream was not cut`);
  }
  ok(`${key} written to pod 1 over HTTP while pod 2's page was offline`);

  relay.restore();
  await page2.setOfflineMode(false);
  await waitStatus(page2, 'pod 2', 'live', 15_000);
  await waitRow(page2, 'pod 2', key, JSON.stringify(value), 15_000);
  const sentId = relay.lastEventIds.slice(streamsBefore).find((id) => id !== null);
  const how = sentId === undefined ? 'without Last-Event-ID' : `with Last-Event-ID ${sentId}`;
  ok(`pod 2 back online: reconnected ${how}, "live" again, and ${key} is in its table`);
}

// Some writes from every pod, so the tables and event logs have something to show.
async function writeDemoKeys() {
  await post(0, 'set', { key: 'greeting', value: 'hello from pod 1' });
  await post(1, 'set', { key: 'counter', value: 42 });
  await post(2, 'set', { key: 'config', value: { theme: 'dark', retries: 3 } });
  await post(0, 'set', { key: 'tags', value: ['demo', 'podshare'] });
  await post(1, 'set', { key: 'scratch', value: true });
  await post(2, 'delete', { key: 'scratch' });
  await post(1, 'set', { key: 'counter', value: 43 });
}

async function screenshot(browser, file) {
  const width = 420, height = 860, gap = 8;
  const page = await browser.newPage();
  page.on('pageerror', (err) => run.pageErrors.push(`screenshot page: ${err.message}`));
  await page.setViewport({ width: PODS * width + (PODS + 1) * gap, height: height + 2 * gap });
  const frames = Array.from({ length: PODS }, (_, i) =>
    `<iframe src="${podUrl(i)}" width="${width}" height="${height}"></iframe>`).join('');
  await page.setContent(
    `<!doctype html><body style="margin:0;padding:${gap}px;display:flex;gap:${gap}px;background:#d8dbe0">` +
    `<style>iframe{border:0;border-radius:6px;background:#fff}</style>${frames}</body>`,
    { waitUntil: 'load', timeout: 15_000 });
  const podFrames = page.frames().filter((frame) => frame !== page.mainFrame());
  for (const [i, frame] of podFrames.entries()) await waitStatus(frame, `pod ${i + 1}'s frame`, 'live', 10_000);

  await writeDemoKeys();
  for (const [i, frame] of podFrames.entries()) {
    await waitRow(frame, `pod ${i + 1}'s frame`, 'counter', '43', 10_000);
    await waitFor(frame, 'stats', 5000, () => document.querySelectorAll('#stats .stat').length > 0);
  }
  await sleep(1500);                        // the row highlight fades, the stats settle
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  await page.screenshot({ path: file, type: 'png' });
  await page.close();
  ok(`screenshot of the three pods saved to ${file}`);
}

async function main() {
  const [binary, shotFile] = process.argv.slice(2);
  if (!binary) throw new Error('usage: node web_demo.mjs <path-to-web-demo-binary> [screenshot.png]');

  await startDemo(binary);
  ok(`demo serves pods on 127.0.0.1:${run.demo.base}-${run.demo.base + PODS - 1}`);

  const browser = await launchBrowser();
  ok(`chromium ${await browser.version()} launched`);

  const relay = await startRelay(run.demo.base + 1);
  const page1 = await openPod(browser, 0);
  const page2 = await openPod(browser, 1, `http://127.0.0.1:${relay.port}/`);
  await waitStatus(page1, 'pod 1', 'live', 10_000);
  await waitStatus(page2, 'pod 2', 'live', 10_000);
  ok('pod 1 and pod 2 pages are live');

  const key = await writeThroughForm(page1, page2);
  await deleteFromOtherPage(page1, page2, key);
  await ownWritesMarked(page1, page2, key);
  await formShowsError(page1);
  await reconnect(page2, relay);
  if (shotFile) await screenshot(browser, shotFile);

  if (run.pageErrors.length) throw new Error(`uncaught errors in the page: ${run.pageErrors.join('; ')}`);
  ok(`all steps passed in ${seconds()}`);
}

/* ---------- finishing: always stop the demo and the browser ---------- */

async function closeBrowser() {
  const browser = run.browser;
  if (!browser) return;
  const closed = browser.close().then(() => true, () => false);
  if (!(await Promise.race([closed, sleep(5000).then(() => false)]))) {
    const pid = browser.process()?.pid;
    if (pid) killGroup(pid, 'SIGKILL');
  }
  run.browser = null;
}

async function finish(code, err) {
  if (run.finishing) return;
  run.finishing = true;
  if (err) {
    console.log(`FAIL: ${err.message}`);
    if (run.demo?.output.length) console.log(`--- last lines of the demo's output ---\n${run.demo.output.join('\n')}`);
  }
  await closeBrowser().catch(() => {});
  if (run.relay) { run.relay.cut(); run.relay.server.close(); }
  await stopDemo().catch(() => {});
  for (const dir of run.tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}

// Last resort if the process exits some other way: no orphans.
process.on('exit', () => {
  if (run.demo?.child.pid && !run.demo.stopped) killGroup(run.demo.child.pid, 'SIGKILL');
  const browserPid = run.browser?.process()?.pid;
  if (browserPid) killGroup(browserPid, 'SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => finish(1, new Error(`interrupted by ${signal}`)));
}

setTimeout(() => finish(1, new Error(`overall time limit of ${OVERALL_MS / 1000} s reached`)), OVERALL_MS);
main().then(() => finish(0), (err) => finish(1, err));
