'use strict';
// Opens many keep-alive TLS connections to one server, sends GET /health/live once on each, keeps
// them all idle at once, then sends the request again on every connection. While they are held it
// checks that the server still answers GET /health/live on a new connection. Uses Node.js built-ins
// only.
//
// Opening can take longer than the server's idle timeout on a slow machine. So while opening, a
// connection idle for longer than (idle timeout - hold - 5 s) gets one more request, and when the
// hold starts no connection is closer to the idle timeout than the hold itself.
//
// Usage: node idle-client.js --port PORT --ca CERT_PEM [--host 127.0.0.1] [--servername localhost]
//          [--count 10000] [--hold-seconds 30] [--idle-timeout-seconds 60] [--concurrency 200]
//          [--pid SERVER_PID]
// Prints progress on stderr and one JSON summary on stdout; exits 1 when any connection failed to
// open, errored, was closed while held, or did not answer the second request with 200.

const fs = require('node:fs');
const https = require('node:https');
const tls = require('node:tls');
const { parseArgs } = require('node:util');

const { values: options } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    ca: { type: 'string' },
    servername: { type: 'string', default: 'localhost' },
    count: { type: 'string', default: '10000' },
    'hold-seconds': { type: 'string', default: '30' },
    'idle-timeout-seconds': { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '200' },
    pid: { type: 'string' },
  },
});
if (!options.port || !options.ca) {
  process.stderr.write('error: --port and --ca are required\n');
  process.exit(2);
}
const host = options.host;
const port = Number.parseInt(options.port, 10);
const ca = fs.readFileSync(options.ca);
// One secure context for all connections: building one per connection costs more than the handshake.
const secureContext = tls.createSecureContext({ ca });
const count = Number.parseInt(options.count, 10);
const holdSeconds = Number.parseInt(options['hold-seconds'], 10);
const concurrency = Number.parseInt(options.concurrency, 10);
const refreshAfterMs = (Number.parseInt(options['idle-timeout-seconds'], 10) - holdSeconds - 5) * 1000;
if (refreshAfterMs <= 0) {
  process.stderr.write('error: --hold-seconds must be more than 5 s below --idle-timeout-seconds\n');
  process.exit(2);
}
const request = `GET /health/live HTTP/1.1\r\nHost: ${options.servername}:${port}\r\n\r\n`;

const progress = (message) => process.stderr.write(`${new Date().toISOString()} ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident set size of the server process in KiB, or null without --pid. */
function serverRssKib() {
  if (!options.pid) return null;
  const status = fs.readFileSync(`/proc/${options.pid}/status`, 'utf8');
  return Number.parseInt(/^VmRSS:\s+(\d+)/m.exec(status)[1], 10);
}

/** User plus system CPU time of the server process in ms, or null without --pid. */
function serverCpuMs() {
  if (!options.pid) return null;
  // Fields after "(comm)": utime and stime are the 12th and 13th, in clock ticks (USER_HZ, 100 a
  // second on Linux).
  const fields = fs.readFileSync(`/proc/${options.pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** User plus system CPU time of this client process in ms. */
function clientCpuMs() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** One held connection and what happened to it. */
class HeldConnection {
  constructor(socket) {
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    this.waiting = null;
    this.error = null;
    this.closed = false;
    this.lastActivity = Date.now();
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (error) => { this.error = error; this.finish(error); });
    socket.on('close', () => { this.closed = true; this.finish(new Error('connection closed')); });
  }

  /** Sends GET /health/live and resolves with the status code of the complete response. */
  exchange() {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  onData(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const headerEnd = this.buffer.indexOf('\r\n\r\n');
    if (headerEnd < 0 || !this.waiting) return;
    const head = this.buffer.subarray(0, headerEnd).toString('latin1');
    const length = Number.parseInt((/^content-length:\s*(\d+)/im.exec(head) || [])[1] || '0', 10);
    if (this.buffer.length < headerEnd + 4 + length) return;
    this.buffer = this.buffer.subarray(headerEnd + 4 + length);
    const status = Number.parseInt(head.split(' ')[1], 10);
    this.lastActivity = Date.now();
    const { resolve } = this.waiting;
    this.waiting = null;
    resolve(status);
  }

  finish(error) {
    if (!this.waiting) return;
    const { reject } = this.waiting;
    this.waiting = null;
    reject(error);
  }
}

function connect() {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, secureContext, servername: options.servername });
    socket.once('secureConnect', () => resolve(new HeldConnection(socket)));
    socket.once('error', reject);
  });
}

/** Runs task(i) for i in [0, total) with at most `limit` tasks in flight. */
async function inParallel(total, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, total) }, worker));
}

/** Sends GET /health/live on a new connection and returns the status (0 on failure) and the time taken. */
function freshHealthCheck() {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = https.get({ host, port, ca, servername: options.servername, path: '/health/live', agent: false,
      timeout: 10000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve({ status: 0, error: error.message,
      ms: Number(process.hrtime.bigint() - started) / 1e6 }));
  });
}

/** Sends one more request on every open connection idle for longer than refreshAfterMs. */
async function refreshStale(connections, summary) {
  const now = Date.now();
  const stale = connections.filter((c) => !c.closed && !c.waiting && now - c.lastActivity > refreshAfterMs);
  await inParallel(stale.length, concurrency, async (i) => {
    const status = await stale[i].exchange().catch(() => 0);
    if (status === 200) summary.refreshed++;
    else summary.refreshFailed++;
  });
}

async function main() {
  const summary = { count, holdSeconds, rssKib: { before: serverRssKib() }, failedToOpen: 0, firstOpenError: null,
    refreshed: 0, refreshFailed: 0 };
  const connections = [];
  let refreshing = Promise.resolve();
  let refreshRunning = false;
  const refreshTimer = setInterval(() => {
    if (refreshRunning) return;
    refreshRunning = true;
    refreshing = refreshStale(connections, summary).finally(() => { refreshRunning = false; });
  }, 2000);
  const openStarted = Date.now();
  const cpuBefore = { server: serverCpuMs(), client: clientCpuMs() };
  progress(`opening ${count} connections to ${host}:${port}, ${concurrency} at a time`);
  await inParallel(count, concurrency, async (i) => {
    try {
      const connection = await connect();
      const status = await connection.exchange();
      if (status !== 200) throw new Error(`first GET /health/live returned ${status}, expected 200`);
      connections.push(connection);
    } catch (error) {
      summary.failedToOpen++;
      summary.firstOpenError = summary.firstOpenError || error.message;
    }
    if ((i + 1) % 1000 === 0) progress(`${i + 1} connections attempted`);
  });
  summary.opened = connections.length;
  summary.openSeconds = (Date.now() - openStarted) / 1000;
  clearInterval(refreshTimer);
  await refreshing;
  await refreshStale(connections, summary);
  summary.rssKib.afterOpen = serverRssKib();
  summary.openCpuMs = {
    server: options.pid ? serverCpuMs() - cpuBefore.server : null,
    client: Math.round(clientCpuMs() - cpuBefore.client),
  };
  progress(`${summary.opened} open in ${summary.openSeconds} s; holding them idle for ${holdSeconds} s`);

  summary.healthChecks = [];
  const holdEnd = Date.now() + holdSeconds * 1000;
  while (Date.now() < holdEnd) {
    await sleep(Math.min(10000, holdEnd - Date.now()));
    const check = await freshHealthCheck();
    summary.healthChecks.push(check);
    progress(`GET /health/live on a new connection: ${check.status} in ${check.ms.toFixed(1)} ms`);
  }
  summary.rssKib.afterHold = serverRssKib();
  summary.erroredWhileHeld = connections.filter((c) => c.error).length;
  summary.closedWhileHeld = connections.filter((c) => c.closed).length;

  summary.reusedOk = 0;
  summary.reusedFailed = 0;
  summary.maxIdleSeconds = 0;
  await inParallel(connections.length, concurrency, async (i) => {
    const connection = connections[i];
    if (connection.closed) {
      summary.reusedFailed++;
      return;
    }
    summary.maxIdleSeconds = Math.max(summary.maxIdleSeconds, (Date.now() - connection.lastActivity) / 1000);
    const status = await connection.exchange().catch(() => 0);
    if (status === 200) summary.reusedOk++;
    else summary.reusedFailed++;
  });
  progress(`second request: ${summary.reusedOk} answered 200, ${summary.reusedFailed} failed`);
  connections.forEach((c) => c.socket.destroy());

  summary.passed = summary.opened === count && summary.refreshFailed === 0 && summary.erroredWhileHeld === 0
    && summary.closedWhileHeld === 0 && summary.reusedOk === count
    && summary.healthChecks.every((c) => c.status === 200);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exit(summary.passed ? 0 : 1);
}

main().catch((error) => {
  process.stderr.write(`error: ${error.stack}\n`);
  process.exit(1);
});
