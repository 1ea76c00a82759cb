// examples/client.js against a running local stack, in Node:
//   node client.test.mjs ws://127.0.0.1:8080/local [IDLE_TIMEOUT_MS]
// IDLE_TIMEOUT_MS is the stack's idle timeout (wsctl local --idle-timeout); with it, the keep-alive ping and the
// reconnect after an idle close (1001) are checked too. Exit 0 when every check passed.
import assert from 'node:assert/strict';

// Node 22 has a global WebSocket; Node 18 and 20 take the one of the `ws` package (pinned in package.json)
globalThis.WebSocket ??= (await import('ws')).WebSocket;
const { WsClient } = await import('../../examples/client.js');

const url = process.argv[2];
const idleMs = Number(process.argv[3] || 0);
if (!url) {
  console.error('usage: node client.test.mjs WS_URL [IDLE_TIMEOUT_MS]');
  process.exit(2);
}
const started = Date.now();
const step = (text) => console.log(`${((Date.now() - started) / 1000).toFixed(1)} s  ${text}`);
const clients = [];

try {
  // the token goes on the URL, encoded, next to what the URL had
  assert.equal(new WsClient('ws://h:1/s?x=1', { token: 'a&b c' }).socketUrl(), 'ws://h:1/s?x=1&token=a%26b+c');
  assert.equal(new WsClient('ws://h:1/s').socketUrl(), 'ws://h:1/s');
  assert.throws(() => new WsClient('http://h:1/s').connect(), /ws:\/\/ or wss:\/\//);

  const ping = idleMs ? Math.max(50, Math.floor(idleMs / 4)) : 0;
  const a = client({ pingIntervalMs: ping });
  const b = client({ pingIntervalMs: ping });
  await Promise.all([a, b].map((c) => joined(c, 'room', () => c.connect().join('room'))));
  step('connected and joined');

  const got = next(b, 'room');
  const ack = await a.send('room', { text: 'hello from a' });
  assert.equal(ack.recipients, 1);
  const envelope = await got;
  assert.deepEqual(envelope.message, { text: 'hello from a' });
  assert.equal(envelope.channel, 'room');
  assert.equal(envelope.sender, null);
  step('send, ack, receive');

  // refused with an error frame (they carry no id): an 'error' event, and the send times out without an ack
  const error = once(a, 'error');
  const unacked = a.send('not-joined', 1);
  assert.equal((await error).code, 'forbidden');
  await assert.rejects(unacked, /no ack/);
  step('error frame');

  if (idleMs) {
    // pings keep both sockets open past the idle timeout
    const idA = a.connectionId;
    await sleep(idleMs * 2);
    assert.equal(a.state, 'open');
    assert.equal(a.connectionId, idA);
    step('ping keep-alive');

    // without pings the gateway closes the socket when idle (1001), and the client comes back into room
    const c = client({ pingIntervalMs: 0 });
    await joined(c, 'room', () => c.connect().join('room'));
    const reconnecting = once(c, 'status', (s) => s.state === 'reconnecting');
    const r = await reconnecting;
    assert.equal(r.code, 1001);
    await joined(c, 'room');
    const again = next(c, 'room');
    await a.send('room', 'after the idle close');
    assert.equal((await again).message, 'after the idle close');
    c.close();
    step('reconnect after the idle timeout (1001)');
  }

  // the server closes b's socket (DELETE @connections, 1000): b reconnects and rejoins room
  const idB = b.connectionId;
  const callback = url.replace(/^ws/, 'http') + '/@connections/';
  const reconnecting = once(b, 'status', (s) => s.state === 'reconnecting');
  const rejoined = joined(b, 'room');
  assert.equal((await fetch(callback + encodeURIComponent(idB), { method: 'DELETE' })).status, 204);
  assert.equal((await reconnecting).code, 1000);
  await rejoined;
  assert.notEqual(b.connectionId, idB);
  const after = next(b, 'room');
  await a.send('room', 'after reconnect');
  assert.equal((await after).message, 'after reconnect');
  step('reconnect and rejoin after a server-side close');

  // close() means closed: no reconnect
  const statuses = [];
  b.on('status', (s) => statuses.push(s.state));
  b.close();
  await sleep(700);
  assert.deepEqual(statuses, ['closed']);
  assert.equal(b.state, 'closed');
  await assert.rejects(b.send('room', 'x'), /not connected/);
  step('ok');
} finally {
  for (const c of clients) c.close();
}

function client(options) {
  const c = new WsClient(url, { backoffBaseMs: 200, ackTimeoutMs: 1000, ...options });
  clients.push(c);
  return c;
}

function once(c, event, test = () => true) {
  return within(new Promise((resolve) => {
    const off = c.on(event, (value) => {
      if (test(value)) {
        off();
        resolve(value);
      }
    });
  }), `${event} event`);
}

function joined(c, channel, action = () => {}) {
  const done = once(c, 'joined', (f) => f.channel === channel);
  action();
  return done;
}

function next(c, channel) {
  return within(new Promise((resolve) => {
    const off = c.onChannel(channel, (m) => {
      off();
      resolve(m);
    });
  }), `a message on ${channel}`);
}

function within(promise, what, ms = 10_000) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  })]).finally(() => clearTimeout(timer));
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
