// Drives the demo page in headless Chromium against a running local stack:
//   node demo.test.mjs http://127.0.0.1:8080/ [--history CHANNEL --history-size N]
// Chromium: $CHROMIUM, else /usr/bin/chromium (Debian's package). Exit 0 when every check passed.
// Two pages connect and join "room"; A's message shows under "room" on B; after A leaves, B's does not reach A;
// the server closes A's socket (DELETE @connections/{id}) and A reconnects and rejoins "room" by itself.
// The member lists of "presence-room" on both pages follow joins, leaves and a third page's closed tab.
// With --history (a channel that keeps history, and the stack's history.size): what B publishes while the
// server has closed the socket of a page H (and H's reconnect is held back) shows on H once, in order, after H
// is back; when more than history.size messages were published meanwhile, H says that it could not recover them.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { history: { type: 'string' }, 'history-size': { type: 'string' } },
});
const demoUrl = positionals[0];
const historyChannel = options.history;
const historySize = Number(options['history-size'] || 0);
if (!demoUrl || positionals.length > 1 || (historyChannel && !(historySize > 0))) {
  console.error('usage: node demo.test.mjs DEMO_PAGE_URL [--history CHANNEL --history-size N]');
  process.exit(2);
}
const TOKEN = 'not-a-real-token-7d3f';
const WAIT = { timeout: 10_000 };
const started = Date.now();
const step = (text) => console.log(`${((Date.now() - started) / 1000).toFixed(1)} s  ${text}`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox'], // CI runs as root, where Chromium's sandbox cannot start
});
try {
  const a = await openPage('A', `${demoUrl}?token=${TOKEN}`);
  const b = await openPage('B', demoUrl);
  step('pages loaded');

  // the page's script ran under the served CSP, and the token left the address bar for the field only
  assert.equal(await a.page.locator('[data-testid=token]').inputValue(), TOKEN);
  assert.ok(!a.page.url().includes(TOKEN), 'the token stays out of the address bar');

  const wsUrl = await b.page.locator('[data-testid=url]').inputValue();
  assert.match(wsUrl, /^ws:\/\/127\.0\.0\.1:\d+\/\w+$/, 'the URL defaults to this gateway');
  const callback = wsUrl.replace(/^ws:/, 'http:') + '/@connections/';

  for (const p of [a, b]) await connect(p);
  for (const p of [a, b]) await join(p, 'room');
  const idA = await a.page.locator('[data-testid=connection-id]').textContent();
  step('both connected and joined room');

  await send(a, 'room', 'hello from A');
  await expectMessage(b, 'room', 'hello from A');
  step('B got A\'s message under room');

  // data is rendered as text, never as markup
  const markup = '<img src=x data-x=1>';
  await send(a, 'room', markup);
  await expectMessage(b, 'room', markup);
  assert.equal(await b.page.locator('[data-channel=room] img').count(), 0, 'no element was made from a message');

  // the service's error frames are shown: publishing on a channel B did not join is forbidden
  await send(b, 'elsewhere', 'nobody');
  await b.page.locator('[data-testid=error]').filter({ hasText: 'forbidden' }).waitFor(WAIT);
  step('error frame shown');

  await a.page.locator('[data-testid=channel-input]').fill('room');
  await a.page.locator('[data-testid=leave]').click();
  await a.page.locator('[data-channel=room] [data-testid=channel-state]').filter({ hasText: 'left' }).waitFor(WAIT);
  await send(b, 'room', 'after A left');
  // the ack comes after the fan-out: when B has it, A would have had the message
  await b.page.locator('[data-channel=room] [data-testid=sent]').filter({ hasText: 'after A left' })
    .locator('[data-testid=ack]').filter({ hasText: 'delivered to 0' }).waitFor(WAIT);
  assert.equal(await messages(a, 'room').filter({ hasText: 'after A left' }).count(), 0, 'A left room');
  step('after leaving, A does not get room\'s messages');

  // the server closes A's socket; A reconnects with backoff and rejoins room by itself
  await join(a, 'room');
  const closed = await fetch(callback + encodeURIComponent(idA), { method: 'DELETE' });
  assert.equal(closed.status, 204, 'DELETE @connections/' + idA);
  await a.page.locator('[data-testid=status][data-state=reconnecting]').waitFor(WAIT);
  await a.page.locator('[data-testid=status][data-state=open]').waitFor(WAIT);
  await a.page.locator('[data-channel=room][data-joined=true]').waitFor(WAIT);
  const idA2 = await a.page.locator('[data-testid=connection-id]').textContent();
  assert.ok(idA2 && idA2 !== idA, `a new connection (${idA} -> ${idA2})`);
  await send(b, 'room', 'after reconnect');
  await expectMessage(a, 'room', 'after reconnect');
  step('A reconnected, rejoined room and got B\'s message');

  await presence(a, b);
  if (historyChannel) await history(b, callback);

  await a.page.locator('[data-testid=disconnect]').click();
  await a.page.locator('[data-testid=status][data-state=closed]').waitFor(WAIT);

  // the token went out only on A's WebSocket URL, and never into the log
  for (const p of [a, b]) {
    assert.equal(p.leaks.length, 0, `${p.name} sent the token elsewhere: ${p.leaks.join(', ')}`);
    assert.ok(!(await p.page.locator('[data-testid=log]').textContent()).includes(TOKEN), 'the log shows no token');
    assert.deepEqual(p.pageErrors, [], `${p.name}: no script errors`);
  }
  assert.ok(a.sockets.length >= 2 && a.sockets.every((u) => new URL(u).searchParams.get('token') === TOKEN),
    'every socket of A carried the token');
  step('ok');
} finally {
  await browser.close();
}

/** Both pages' member lists of presence-room follow B's join and leave, and a third page's closed tab. */
async function presence(a, b) {
  const channel = 'presence-room';
  const id = async (p) => p.page.locator('[data-testid=connection-id]').textContent();
  const [idA, idB] = [await id(a), await id(b)];
  await join(a, channel);
  await expectMembers(a, channel, [idA]);
  assert.match(await members(a, channel).first().textContent(), /\(you\)/, 'the page marks its own member');
  await join(b, channel);
  for (const p of [a, b]) await expectMembers(p, channel, [idA, idB]);
  step('presence: both pages list both members');

  await leave(b, channel);
  await expectMembers(a, channel, [idA]);
  assert.equal(await b.page.locator(`[data-channel="${channel}"] [data-testid=presence]`).isHidden(), true);
  await join(b, channel);
  for (const p of [a, b]) await expectMembers(p, channel, [idA, idB]);
  step('presence: B left and came back');

  const c = await openPage('C', demoUrl);
  await connect(c);
  await join(c, channel);
  const idC = await id(c);
  for (const p of [a, b, c]) await expectMembers(p, channel, [idA, idB, idC]);
  await c.page.context().close(); // the tab closes: its socket goes, and with it the member
  for (const p of [a, b]) await expectMembers(p, channel, [idA, idB]);
  assert.deepEqual(c.pageErrors, [], 'C: no script errors');
  step('presence: a third page joined, then its tab closed');
}

/**
 * The server closes the socket of a page H, and H's next socket is held before it reaches the server while B
 * publishes; then it is let through: H shows everything once and in order, and says so when more than
 * history.size messages came meanwhile.
 */
async function history(b, callback) {
  const channel = historyChannel;
  // every socket of H goes through this route; while a gate is set, a new one waits for it in CONNECTING
  let gate = null;
  const h = await openPage('H', demoUrl, async (ws) => {
    if (gate) {
      gate.arrived();
      await gate.opened;
    }
    ws.connectToServer();
  });
  await connect(h);
  for (const p of [h, b]) await join(p, channel);
  await send(b, channel, 'before');
  await expectMessage(h, channel, 'before');

  const away = ['away 1', 'away 2', 'away 3'];
  await awayWhile(async () => {
    for (const text of away) await sendAcked(b, channel, text);
  });
  await expectMessage(h, channel, 'away 3');
  await send(b, channel, 'after');
  await expectMessage(h, channel, 'after');
  const expected = ['before', ...away, 'after'];
  assert.deepEqual(await messages(h, channel).allTextContents(), expected, 'once each, in order');
  const offsets = await messages(h, channel).evaluateAll((els) => els.map((e) => Number(e.closest('li').dataset.offset)));
  assert.deepEqual(offsets, expected.map((_, i) => offsets[0] + i), 'consecutive offsets');
  assert.equal(await recoveryNotice(h, channel).isHidden(), true, 'nothing missed');
  step('history: what B sent while H was away shows on H once, in order');

  const lost = Array.from({ length: historySize + 1 }, (_, i) => 'lost ' + i);
  await awayWhile(async () => {
    for (const text of lost) await sendAcked(b, channel, text);
  });
  await recoveryNotice(h, channel).filter({ hasText: 'could not be recovered' }).waitFor(WAIT);
  await send(b, channel, 'after the gap');
  await expectMessage(h, channel, 'after the gap');
  assert.deepEqual(await messages(h, channel).allTextContents(), [...expected, 'after the gap'], 'no partial replay');
  assert.deepEqual(h.pageErrors, [], 'H: no script errors');
  await h.page.context().close();
  step(`history: ${lost.length} messages while H was away (history.size ${historySize}): H says they are lost`);

  /** The server closes H's socket; action runs while H's next socket waits; then H is back in the channel. */
  async function awayWhile(action) {
    const id = await h.page.locator('[data-testid=connection-id]').textContent();
    const arrived = new Promise((resolve) => {
      let open;
      const opened = new Promise((r) => (open = r));
      gate = { arrived: resolve, opened, open };
    });
    const closed = await fetch(callback + encodeURIComponent(id), { method: 'DELETE' });
    assert.equal(closed.status, 204, 'DELETE @connections/' + id);
    await arrived; // H reconnects
    await h.page.locator(`[data-channel="${channel}"][data-joined=false]`).waitFor(WAIT);
    await action();
    const { open } = gate;
    gate = null;
    open();
    await h.page.locator('[data-testid=status][data-state=open]').waitFor(WAIT);
    await h.page.locator(`[data-channel="${channel}"][data-joined=true]`).waitFor(WAIT);
    const again = await h.page.locator('[data-testid=connection-id]').textContent();
    assert.ok(again && again !== id, `a new connection (${id} -> ${again})`);
  }
}

/** A new browser context's page at url; route, when given, handles every WebSocket the page opens. */
async function openPage(name, url, route) {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (route) await page.routeWebSocket(() => true, route);
  const p = { name, page, sockets: [], leaks: [], pageErrors: [] };
  page.on('websocket', (ws) => p.sockets.push(ws.url()));
  page.on('request', (r) => {
    if (r.url().includes(TOKEN) && r.url() !== url) p.leaks.push(r.url());
  });
  page.on('pageerror', (e) => p.pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().includes('404')) p.pageErrors.push(m.text());
  });
  const response = await page.goto(url);
  assert.equal(response.status(), 200);
  await page.locator('body[data-app=wsctl-demo]').waitFor(WAIT);
  return p;
}

async function connect(p) {
  await p.page.locator('[data-testid=connect]').click();
  await p.page.locator('[data-testid=status][data-state=open]').waitFor(WAIT);
}

async function join(p, channel) {
  await p.page.locator('[data-testid=channel-input]').fill(channel);
  await p.page.locator('[data-testid=join]').click();
  await p.page.locator(`[data-channel="${channel}"][data-joined=true]`).waitFor(WAIT);
}

async function leave(p, channel) {
  await p.page.locator('[data-testid=channel-input]').fill(channel);
  await p.page.locator('[data-testid=leave]').click();
  await p.page.locator(`[data-channel="${channel}"] [data-testid=channel-state]`).filter({ hasText: 'left' }).waitFor(WAIT);
}

/** Sends and waits for the ack, so that the message is published (and kept) before the next step. */
async function sendAcked(p, channel, text) {
  await send(p, channel, text);
  await p.page.locator(`[data-channel="${channel}"] [data-testid=sent]`).filter({ hasText: text })
    .locator('[data-testid=ack]').filter({ hasText: 'delivered to' }).waitFor(WAIT);
}

function members(p, channel) {
  return p.page.locator(`[data-channel="${channel}"] [data-testid=member]`);
}

function recoveryNotice(p, channel) {
  return p.page.locator(`[data-channel="${channel}"] [data-testid=recovery]`);
}

/** Waits until the page lists exactly these members (in any order), with a visible count to match. */
async function expectMembers(p, channel, users) {
  const want = [...users].sort();
  const deadline = Date.now() + WAIT.timeout;
  let got;
  for (;;) {
    got = (await members(p, channel).evaluateAll((els) => els.map((e) => e.dataset.user))).sort();
    const count = await p.page.locator(`[data-channel="${channel}"] [data-testid=member-count]`).textContent();
    if (JSON.stringify(got) === JSON.stringify(want) && count === String(want.length)) return;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.deepEqual(got, want, `${p.name} lists the members of ${channel}`);
  assert.fail(`${p.name} shows a member count other than ${want.length}`);
}

async function send(p, channel, text) {
  await p.page.locator('[data-testid=channel-input]').fill(channel);
  await p.page.locator('[data-testid=message-input]').fill(text);
  await p.page.locator('[data-testid=send]').click();
}

function messages(p, channel) {
  return p.page.locator(`[data-channel="${channel}"] [data-testid=message] [data-testid=text]`);
}

async function expectMessage(p, channel, text) {
  await messages(p, channel).filter({ hasText: text }).first().waitFor(WAIT);
  const texts = await messages(p, channel).allTextContents();
  assert.ok(texts.includes(text), `${p.name} shows ${JSON.stringify(text)} under ${channel}: ${JSON.stringify(texts)}`);
}
