// examples/client.js against a running local stack, in Node:
//   node client.test.mjs ws://127.0.0.1:8080/local [--idle-timeout MS] [--history CHANNEL --history-size N]
// --idle-timeout is the stack's idle timeout (wsctl local --idle-timeout); with it, the keep-alive ping and the
// reconnect after an idle close (1001) are checked too. --history names a channel that keeps history, and
// --history-size how many messages the stack keeps (history.size); with them, recovery after a reconnect, the
// dropping of deliveries already seen and the 'missed' event of a recovery that was not possible are checked
// too. Presence (presence-* channels: member lists, presence()) is always checked. Exit 0 when every check passed.
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';

// Node 22 has a global WebSocket; Node 18 and 20 take the one of the `ws` package (pinned in package.json)
globalThis.WebSocket ??= (await import('ws')).WebSocket;
const { WsClient } = await import('../../examples/client.js');

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'idle-timeout': { type: 'string' }, history: { type: 'string' }, 'history-size': { type: 'string' } },
});
const url = positionals[0];
const idleMs = Number(options['idle-timeout'] || 0);
const historyChannel = options.history;
const historySize = Number(options['history-size'] || 0);
if (!url || positionals.length > 1 || (historyChannel && !(historySize > 0))) {
  console.error('usage: node client.test.mjs WS_URL [--idle-timeout MS] [--history CHANNEL --history-size N]');
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
  offsetsOutOfOrder();
  step('offsets seen out of order');

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

  await presence(a, b);
  if (historyChannel) await history(a, b);

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

/**
 * The service's frames fed to the client, without a socket: a message published during a replay arrives live
 * before the replayed ones that precede it; none may be dropped but the second copy of each.
 */
function offsetsOutOfOrder() {
  const c = new WsClient('ws://h:1/s');
  c.channels.add('news');
  const delivered = [];
  c.on('message', (m) => delivered.push(m.offset));
  const frame = (f) => c.received(JSON.stringify({ channel: 'news', ...f }));
  const message = (offset, epoch = 'e1') => frame({ type: 'message', message: offset, sender: null, sentAt: 1, offset, epoch });
  frame({ type: 'joined', connectionId: 'c', offset: 3, epoch: 'e1' });
  assert.deepEqual(c.position('news'), { epoch: 'e1', offset: 3 });
  for (const offset of [2, 3, 6, 4, 6, 5, 4, 7]) message(offset);
  assert.deepEqual(delivered, [6, 4, 5, 7], 'offsets up to the join, and second copies, are dropped');
  assert.deepEqual(c.position('news'), { epoch: 'e1', offset: 7 });
  message(1, 'e2'); // the history was reset: a new epoch starts again at 1
  assert.deepEqual(delivered, [6, 4, 5, 7, 1]);
  assert.deepEqual(c.position('news'), { epoch: 'e2', offset: 1 });
  const missed = [];
  c.on('missed', (m) => missed.push(m));
  frame({ type: 'joined', connectionId: 'c', offset: 9, epoch: 'e3', recovered: false });
  assert.deepEqual(missed, [{ channel: 'news', offset: 9, epoch: 'e3' }]);
  assert.deepEqual(c.position('news'), { epoch: 'e3', offset: 9 });
  // a rejoin of a channel that no longer keeps history: missed, and no position to rejoin from
  frame({ type: 'joined', connectionId: 'c', recovered: false });
  assert.equal(missed.length, 2);
  assert.equal(c.position('news'), null);
  const other = []; // a channel without history: no offsets, nothing dropped
  c.channels.add('plain');
  c.onChannel('plain', (m) => other.push(m.message));
  for (const m of ['x', 'x']) c.received(JSON.stringify({ type: 'message', channel: 'plain', message: m }));
  assert.deepEqual(other, ['x', 'x']);
}

/** Member lists follow joins, leaves and closed connections; presence() asks the service. */
async function presence(a, b) {
  const channel = 'presence-room';
  const membersOf = (c) => c.members(channel).members.map((m) => m.user);
  await joined(a, channel, () => a.join(channel));
  assert.deepEqual(a.members(channel), { channel, count: 1, truncated: false, members: [{ user: a.connectionId }] });
  const added = members(a, (m) => m.count === 2);
  const bJoined = await joined(b, channel, () => b.join(channel));
  assert.equal(bJoined.presence.count, 2);
  assert.deepEqual(membersOf(b), [a.connectionId, b.connectionId].sort());
  assert.deepEqual((await added).members.map((m) => m.user), [a.connectionId, b.connectionId].sort());

  const answer = await b.presence(channel);
  assert.equal(answer.count, 2);
  assert.deepEqual(answer.members.map((m) => m.user), [a.connectionId, b.connectionId].sort());

  const removed = members(a, (m) => m.count === 1);
  b.leave(channel);
  assert.deepEqual((await removed).members, [{ user: a.connectionId }]);
  assert.equal(b.members(channel), null, 'leave forgets the members');

  // a third connection joins, then closes: its member goes away with it
  const c = client({ pingIntervalMs: a.pingIntervalMs });
  const third = members(a, (m) => m.count === 2);
  await joined(c, channel, () => c.connect().join(channel));
  await third;
  assert.deepEqual(membersOf(a), [a.connectionId, c.connectionId].sort());
  const gone = members(a, (m) => m.count === 1);
  c.close();
  assert.deepEqual((await gone).members, [{ user: a.connectionId }]);

  // presence on a channel b is not in: forbidden (an 'error' event), and the question times out
  const error = once(b, 'error');
  const unanswered = b.presence(channel);
  assert.equal((await error).code, 'forbidden');
  await assert.rejects(unanswered, /no presence answer/);
  a.leave(channel);
  step('presence: members, presence(), a leave, a closed connection, forbidden');
}

/** History: offsets, recovery after a reconnect, dropping what was seen, and 'missed'. */
async function history(a, b) {
  const channel = historyChannel;
  const missed = [];
  b.on('missed', (m) => missed.push(m));
  await Promise.all([a, b].map((c) => joined(c, channel, () => c.join(channel))));
  const start = b.position(channel);
  assert.equal(typeof start?.epoch, 'string', 'joined carries the epoch');
  assert.ok(Number.isSafeInteger(start.offset), 'joined carries the offset');

  const got = next(b, channel);
  const ack = await a.send(channel, 'h1');
  assert.equal(ack.offset, start.offset + 1);
  assert.equal(ack.epoch, start.epoch);
  const m1 = await got;
  assert.deepEqual([m1.message, m1.offset, m1.epoch], ['h1', ack.offset, ack.epoch]);
  assert.deepEqual(b.position(channel), { epoch: ack.epoch, offset: ack.offset });
  assert.deepEqual(a.position(channel), b.position(channel), 'the sender counts its acked message as seen');
  step('history: offsets and epoch on joined, ack and message');

  // a rejoin from an earlier offset: the service replays what b has seen, and b drops all of it
  await a.send(channel, 'h2');
  await a.send(channel, 'h3');
  await until(() => b.position(channel).offset === ack.offset + 2, 'b has seen h2 and h3');
  const delivered = collect(b, channel);
  const replayed = [];
  const offReplayed = b.on('frame', (f) => { if (f.type === 'message' && f.channel === channel) replayed.push(f.offset); });
  const rejoined = joined(b, channel);
  b.frame({ action: 'joinchannel', channel, since: { epoch: ack.epoch, offset: ack.offset - 1 } });
  assert.equal((await rejoined).recovered, true);
  offReplayed();
  assert.deepEqual(replayed, [ack.offset, ack.offset + 1, ack.offset + 2], 'the service replayed them');
  assert.deepEqual(delivered.stop(), [], 'the client dropped what it had seen');
  step('history: a replay of what was seen is dropped');

  // b is away while three messages are published: after connect() it gets them, once, in order
  b.close();
  const sent = [];
  for (const text of ['away 1', 'away 2', 'away 3']) sent.push((await a.send(channel, text)).offset);
  const back = collect(b, channel);
  const recovered = joined(b, channel);
  b.connect();
  const j = await recovered;
  assert.equal(j.recovered, true);
  assert.equal(j.offset, sent[2]);
  const messages = back.stop();
  assert.deepEqual(messages.map((m) => m.message), ['away 1', 'away 2', 'away 3']);
  assert.deepEqual(messages.map((m) => m.offset), sent);
  assert.deepEqual(missed, []);
  const live = next(b, channel);
  await a.send(channel, 'after recovery');
  assert.equal((await live).message, 'after recovery');
  step('history: what was published while away is replayed after a reconnect');

  // more than history.size messages while away: no replay, and 'missed' tells the application to refetch
  b.close();
  let last;
  for (let i = 0; i <= historySize; i++) last = await a.send(channel, 'lost ' + i);
  const none = collect(b, channel);
  const notRecovered = joined(b, channel);
  b.connect();
  const k = await notRecovered;
  assert.equal(k.recovered, false);
  assert.deepEqual(missed, [{ channel, epoch: last.epoch, offset: last.offset }]);
  assert.deepEqual(b.position(channel), { epoch: last.epoch, offset: last.offset });
  const after = next(b, channel);
  await a.send(channel, 'after missed');
  assert.deepEqual([(await after).message, none.stop().length], ['after missed', 1]);
  for (const c of [a, b]) c.leave(channel);
  step(`history: ${historySize + 1} messages while away (history.size ${historySize}) is a 'missed' event`);
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

function members(c, test) {
  return once(c, 'members', test);
}

/** The channel's deliveries from now until stop(). */
function collect(c, channel) {
  const got = [];
  const off = c.onChannel(channel, (m) => got.push(m));
  return { stop: () => (off(), got) };
}

async function until(test, what, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`not ${what} within ${ms} ms`);
    await sleep(20);
  }
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
