// The ws-routing example with real WebSocket clients: Chromium's, through
// puppeteer-core.
//
//   node test/browser/ws_routing.mjs <path-to-ws-routing-binary>
//
// Starts a redis-server and three pods (one process each) on free loopback
// ports, opens sockets as users on different pods inside one page, and
// checks: messages both ways between users on different pods; an offline
// user is "no_route" at once; a user who reconnects to another pod while the
// old socket is still open gets every later message there and none on the
// stale socket, also after the stale socket closes; a pod killed with
// SIGKILL leaves its users "unreachable" at once, and they reconnect to
// another pod.
// Prints `ok: ...` per step; exits 0 on success, 1 with `FAIL: ...` otherwise.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OVERALL_MS = 120_000;
const STEP_MS = 20_000;
// What "at once" means here: far below the 5 s call timeout.
const FAST_MS = 2_000;
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const startedAt = Date.now();
const children = [];
let browser = null;
const seconds = () => `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
const ok = (what) => console.log(`ok: ${what} [${seconds()}]`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

// `n` consecutive ports below Linux's ephemeral range, free right now.
async function freePorts(n) {
  for (let tries = 0; tries < 100; tries++) {
    const base = 20000 + Math.floor(Math.random() * (12000 - n));
    const ports = Array.from({ length: n }, (_, i) => base + i);
    if ((await Promise.all(ports.map(portIsFree))).every(Boolean)) return ports;
  }
  throw new Error('no free ports in 20000-31999');
}

// Starts `cmd args`, resolving once a line of its stderr matches `ready`.
function start(name, cmd, args, ready) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.output = '';
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${child.output}`)), STEP_MS);
    const seen = (chunk) => {
      child.output += chunk;
      if (ready.test(child.output)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('exit', (code) => reject(new Error(`${name} exited ${code}:\n${child.output}`)));
  });
}

async function main() {
  const binary = process.argv[2];
  if (!binary) throw new Error('usage: ws_routing.mjs <ws-routing binary>');
  const [redisPort, ...httpPorts] = await freePorts(4);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-routing-'));
  await start('redis-server', 'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    /Ready to accept connections/);
  const url = `redis://127.0.0.1:${redisPort}`;
  const pods = [];
  for (let i = 0; i < 3; i++)
    pods.push(await start(`pod-${i + 1}`, binary,
      ['--redis', url, '--pod', `pod-${i + 1}`, '--http', `127.0.0.1:${httpPorts[i]}`],
      /serving http/));
  ok('redis-server and three ws-routing pods are up');

  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  // The pod's own page: the sockets below are the browser's, as the page's are.
  await page.goto(`http://127.0.0.1:${httpPorts[0]}/`);
  await page.evaluate(() => {
    window.sockets = {};
    window.received = {};
    window.connect = (name, port, user) => new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?user=${user}`);
      window.sockets[name] = ws;
      window.received[name] = [];
      ws.onmessage = (m) => {
        const x = JSON.parse(m.data);
        window.received[name].push(x);
        if (x.type === 'hello') resolve(x.pod);
      };
      ws.onerror = () => reject(new Error(`socket ${name} failed`));
    });
    window.sent = 0;
    // Sends and returns the message's id, which its answer carries.
    window.send = (name, to, text) => {
      const id = ++window.sent;
      window.sockets[name].send(JSON.stringify({ to, text, id }));
      return id;
    };
    window.close = (name) => window.sockets[name].close();
  });
  const connect = (name, pod, user) => page.evaluate((n, p, u) => window.connect(n, p, u), name, httpPorts[pod], user);
  const send = (name, to, text) => page.evaluate((n, t, x) => window.send(n, t, x), name, to, text);
  const received = (name) => page.evaluate((n) => window.received[n], name);
  // Waits until socket `name` received a message matching `match`.
  const waitFor = async (name, match, what, limit = STEP_MS) => {
    const deadline = Date.now() + limit;
    while (Date.now() < deadline) {
      const found = (await received(name)).find(match);
      if (found) return found;
      await sleep(20);
    }
    throw new Error(`${what}: not within ${limit} ms; ${name} got ${JSON.stringify(await received(name))}`);
  };
  const messageFrom = (from, text) => (x) => x.type === 'message' && x.from === from && x.text === text;
  const outcomeFor = (to, outcome) => (x) => x.type === 'error' && x.to === to && x.outcome === outcome;
  // Sends and waits for the pod's answer to that message: sent or error.
  const ask = async (name, to, text, limit = STEP_MS) => {
    const id = await send(name, to, text);
    return waitFor(name, (x) => x.id === id, `the answer to ${name} -> ${to}`, limit);
  };
  // Sends until it is delivered: a pod hears of a new claim a moment after
  // the socket opened.
  const deliver = async (name, to, text) => {
    const deadline = Date.now() + STEP_MS;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      const tagged = `${text} #${attempt}`;
      if ((await ask(name, to, tagged)).type === 'sent') return tagged;
      await sleep(50);
    }
    throw new Error(`${name} -> ${to}: never delivered`);
  };

  if (await connect('alice', 0, 'alice') !== 'pod-1') throw new Error('alice is not on pod-1');
  await connect('bob', 1, 'bob');
  await connect('carol', 2, 'carol');
  ok('alice, bob and carol connected to pod-1, pod-2 and pod-3');

  let text = await deliver('alice', 'bob', 'hi bob');
  await waitFor('bob', messageFrom('alice', text), 'bob gets alice\'s message');
  text = await deliver('bob', 'alice', 'hi alice');
  await waitFor('alice', messageFrom('bob', text), 'alice gets bob\'s answer');
  text = await deliver('carol', 'alice', 'hello from pod-3');
  await waitFor('alice', messageFrom('carol', text), 'alice gets carol\'s message');
  ok('messages cross pods both ways');

  let sentAt = Date.now();
  const offline = await ask('alice', 'dave', 'are you there?', FAST_MS);
  if (!outcomeFor('dave', 'no_route')(offline)) throw new Error(`dave: ${JSON.stringify(offline)}`);
  ok(`an offline user is no_route at once (${Date.now() - sentAt} ms)`);

  // bob reconnects to pod-3 while his socket on pod-2 is still open.
  await connect('bob2', 2, 'bob');
  text = await deliver('alice', 'bob', 'after the move');
  await waitFor('bob2', messageFrom('alice', text), 'bob\'s new socket gets it');
  for (let i = 0; i < 10; i++) {
    const more = await deliver('carol', 'bob', `burst ${i}`);
    await waitFor('bob2', messageFrom('carol', more), `bob's new socket gets burst ${i}`);
  }
  await page.evaluate(() => window.close('bob'));
  await sleep(500);
  text = await deliver('alice', 'bob', 'after the old socket closed');
  await waitFor('bob2', messageFrom('alice', text), 'the route stays with the new socket');
  const stale = (await received('bob')).filter((x) => x.type === 'message' && !x.text.startsWith('hi bob'));
  if (stale.length !== 0) throw new Error(`the stale socket got ${JSON.stringify(stale)}`);
  ok('bob moved to pod-3: 12 messages followed him, none reached the stale socket');

  // pod-1 dies with alice on it: her route stays behind in the table. Once
  // the process is gone and Redis has dropped its subscription (a call
  // that reached pod-1 before would just time out), a call is answered at
  // once.
  pods[0].removeAllListeners('exit');
  const exited = new Promise((resolve) => pods[0].once('exit', resolve));
  pods[0].kill('SIGKILL');
  await exited;
  const inbox = 'podshare:callreply:inbox:pod-1:events';
  for (let i = 0; ; i++) {
    const out = execFileSync('redis-cli', ['-p', String(redisPort), 'PUBSUB', 'NUMSUB', inbox]).toString();
    if (out.trim().endsWith('0')) break;
    if (i === 100) throw new Error(`redis still lists pod-1's subscription: ${out}`);
    await sleep(50);
  }
  sentAt = Date.now();
  const dead = await ask('carol', 'alice', 'are you there?', FAST_MS);
  if (!outcomeFor('alice', 'unreachable')(dead)) throw new Error(`alice: ${JSON.stringify(dead)}`);
  ok(`alice's pod was killed: a message for her is unreachable at once (${Date.now() - sentAt} ms)`);
  // The caller dropped the dead route (its delete may still be on the way
  // to this pod's replica): messages become no_route.
  let gone = null;
  for (let i = 0; i < 20; i++) {
    gone = await ask('carol', 'alice', 'still there?', FAST_MS);
    if (outcomeFor('alice', 'no_route')(gone)) break;
    if (!outcomeFor('alice', 'unreachable')(gone)) throw new Error(`alice: ${JSON.stringify(gone)}`);
    await sleep(50);
  }
  if (!outcomeFor('alice', 'no_route')(gone)) throw new Error(`the dead route stays: ${JSON.stringify(gone)}`);
  ok('the dead route is gone: messages for alice are no_route');
  await connect('alice2', 1, 'alice');
  text = await deliver('carol', 'alice', 'welcome back');
  await waitFor('alice2', messageFrom('carol', text), 'alice reconnected on pod-2 gets it');
  ok('alice reconnected to pod-2 and gets her messages there');

  // carol's pod counted each outcome; promtool accepts the page.
  const metrics = await (await fetch(`http://127.0.0.1:${httpPorts[2]}/metrics`)).text();
  const count = (outcome) => {
    const m = metrics.match(new RegExp(`^podshare_callreply_calls_total\\{pod="pod-3",outcome="${outcome}"\\} (\\d+)$`, 'm'));
    return m ? Number(m[1]) : NaN;
  };
  if (!(count('ok') >= 12 && count('unreachable') >= 1 && count('no_route') >= 1))
    throw new Error(`pod-3's metrics: ${metrics.split('\n').filter((l) => l.includes('callreply')).join('; ')}`);
  execFileSync('promtool', ['check', 'metrics'], { input: metrics });
  ok(`pod-3's /metrics counts its calls per outcome (ok ${count('ok')}, unreachable ${count('unreachable')}, no_route ${count('no_route')}) and passes promtool`);
}

const overall = setTimeout(() => { console.log(`FAIL: over ${OVERALL_MS} ms`); finish(1); }, OVERALL_MS);

async function finish(code) {
  clearTimeout(overall);
  if (browser) await browser.close().catch(() => {});
  for (const child of children) {
    child.removeAllListeners('exit');
    child.kill('SIGKILL');
  }
  process.exit(code);
}

main().then(() => finish(0), (err) => {
  console.log(`FAIL: ${err.message}`);
  for (const child of children) if (child.output) console.log(`--- ${child.spawnargs.slice(0, 3).join(' ')}\n${child.output.slice(-2000)}`);
  finish(1);
});
