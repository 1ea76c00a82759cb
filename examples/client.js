// A small client for a wsctl stack, for browsers and Node >= 22 (both have a global WebSocket); no dependencies.
// It speaks the wire protocol of docs/protocol.md: connect (optionally with a token), join and leave channels, send
// with an id and wait for the ack, a handler per channel, a ping every 5 minutes (API Gateway closes sockets
// idle for 10), and reconnection with exponential backoff and jitter after every close it was not asked for
// (API Gateway's 2-hour limit, a dropped network, a restarted server), rejoining every channel it had joined.
// On history channels it keeps the last offset and epoch seen, rejoins with since:{epoch,offset} so that the
// service replays what was published meanwhile, drops deliveries it has seen (a replay and live deliveries can
// overlap), and tells when a recovery was not possible. On presence-* channels it keeps the member list.
// docs/presence-and-history.md describes both.
//
//   import { WsClient } from './client.js';   // browsers: <script type="module">
//   const client = new WsClient('wss://abc123.execute-api.eu-west-1.amazonaws.com/prod', { token });
//   client.on('status', s => console.log(s.state, s.code ?? ''));      // connecting | open | reconnecting | closed
//   client.on('error', e => console.error(e.code, e.message));         // {"type":"error"} frames of the service
//   client.onChannel('news', m => console.log(m.message, 'from', m.sender));
//   client.connect();
//   client.join('news');                          // also rejoined after every reconnect
//   const { recipients } = await client.send('news', { text: 'hello' });
//   client.on('missed', m => refetch(m.channel)); // a history channel's rejoin could not replay what was missed
//   client.join('presence-room');
//   client.on('members', m => render(m.channel, m.count, m.members));   // [{user, info}], on every change
//   const { count, members } = await client.presence('presence-room');  // asks the service again
//   client.close();                               // no reconnect after this
//
// Node 20 has no global WebSocket: `npm i ws`, then, before the first connect():
//   globalThis.WebSocket ??= (await import('ws')).WebSocket;
//
// examples/demo.html carries the class below verbatim (DemoPageTest checks that the two copies are equal).

// ---- begin WsClient ----
class WsClient {
  /**
   * @param {string} url ws:// or wss:// URL of the stage, e.g. ws://127.0.0.1:8080/local
   * @param {object} [options]
   * @param {string} [options.token] sent as ?token= on the WebSocket URL (browsers cannot set headers), nowhere else
   * @param {number} [options.pingIntervalMs] keep-alive ping period; 0 turns it off (default 5 minutes)
   * @param {number} [options.backoffBaseMs] first reconnect delay (default 500 ms), doubled per failed attempt
   * @param {number} [options.backoffCapMs] longest reconnect delay (default 30 s)
   * @param {number} [options.stableAfterMs] a connection open this long resets the backoff (default 10 s)
   * @param {number} [options.ackTimeoutMs] how long send() waits for its ack (default 10 s)
   * @param {Function} [options.WebSocket] the WebSocket constructor (default: the global one)
   */
  constructor(url, options = {}) {
    this.url = url;
    this.token = options.token || '';
    this.pingIntervalMs = options.pingIntervalMs ?? 5 * 60 * 1000;
    this.backoffBaseMs = options.backoffBaseMs ?? 500;
    this.backoffCapMs = options.backoffCapMs ?? 30 * 1000;
    this.stableAfterMs = options.stableAfterMs ?? 10 * 1000;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10 * 1000;
    this.WebSocket = options.WebSocket || globalThis.WebSocket;
    /** Channels joined through join(), rejoined after every reconnect. */
    this.channels = new Set();
    /** The id the service gave this connection (it comes with every "joined" frame), or null. */
    this.connectionId = null;
    this.state = 'closed';
    this.socket = null;
    this.wanted = false; // connect() was called, close() was not: every other close is followed by a reconnect
    this.attempt = 0;
    this.openedAt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.listeners = new Map();
    this.channelListeners = new Map();
    this.pending = new Map(); // send id, or 'presence ' + channel -> { promise, resolve, reject, timer, channel }
    /** History channels: channel -> { epoch, offset (every offset up to it was seen), seen (offsets above it) }. */
    this.positions = new Map();
    /** Presence channels: channel -> { count, truncated, members: Map user -> info }. */
    this.presences = new Map();
    this.sendPrefix = Math.random().toString(36).slice(2, 8);
    this.sendCount = 0;
  }

  /**
   * Events: 'status' ({state, attempt, delayMs, code, reason}), 'message' (a delivery envelope, never one whose
   * offset was seen before), 'joined', 'left', 'ack', 'pong', 'error' ({code, message}: the service refused a
   * frame), 'kicked' ({reason}), 'missed' ({channel, epoch, offset}: a rejoin could not replay what was published
   * while away; refetch the channel's state), 'members' ({channel, count, truncated, members: [{user, info}]},
   * after every change of a presence channel's members), 'presence' (the answer to presence()) and 'frame' (every
   * frame received, parsed when it is JSON). Returns a function that removes the listener.
   */
  on(event, listener) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(listener);
    return () => this.listeners.get(event).delete(listener);
  }

  /** Calls listener with every {"type":"message"} envelope of one channel. */
  onChannel(channel, listener) {
    if (!this.channelListeners.has(channel)) this.channelListeners.set(channel, new Set());
    this.channelListeners.get(channel).add(listener);
    return () => this.channelListeners.get(channel).delete(listener);
  }

  /** Opens the socket; from now on every close not asked for by close() is followed by a reconnect. */
  connect() {
    if (this.wanted) return this;
    this.socketUrl(); // a malformed URL throws here, to the caller, instead of reconnecting forever
    this.wanted = true;
    this.attempt = 0;
    this.open();
    return this;
  }

  /** Closes the socket with 1000 and stops reconnecting. Joined channels are kept for the next connect(). */
  close() {
    this.wanted = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    if (socket) {
      this.detach(socket);
      socket.close(1000);
      this.dropped();
    }
    if (this.state !== 'closed') this.status('closed', { code: 1000 });
  }

  /** Joins now if connected, and after every reconnect; on a history channel, from the last offset seen. */
  join(channel) {
    this.channels.add(channel);
    this.joinFrame(channel);
  }

  /** Leaves, and forgets the channel's offset and members: a later join starts afresh. */
  leave(channel) {
    this.channels.delete(channel);
    this.positions.delete(channel);
    this.presences.delete(channel);
    this.frame({ action: 'leavechannel', channel });
  }

  /**
   * Publishes message (any JSON value) on channel. Resolves with the ack ({id, recipients, offset, epoch}: the
   * last two on a history channel); rejects when not connected, when the socket closes first, or after
   * ackTimeoutMs (the service's error frames carry no id: they arrive as 'error' events).
   */
  send(channel, message) {
    if (!this.isOpen()) return Promise.reject(new Error('not connected'));
    const id = this.sendPrefix + '-' + (++this.sendCount);
    const acked = this.expectAnswer(id, 'no ack for message ' + id, channel);
    this.frame({ action: 'sendmessage', channel, message, id });
    return acked;
  }

  /**
   * Asks for the members of a presence channel this connection has joined. Resolves with the answer
   * ({channel, count, truncated, members: [{user, info}]}), which also replaces the member list; rejects as
   * send() does ('forbidden' arrives as an 'error' event).
   */
  presence(channel) {
    if (!this.isOpen()) return Promise.reject(new Error('not connected'));
    const key = 'presence ' + channel;
    if (this.pending.has(key)) return this.pending.get(key).promise;
    const answered = this.expectAnswer(key, 'no presence answer for ' + channel);
    this.frame({ action: 'presence', channel });
    return answered;
  }

  /** The members of a presence channel as last known: {channel, count, truncated, members: [{user, info}]}, or null. */
  members(channel) {
    const p = this.presences.get(channel);
    if (!p) return null;
    const members = [...p.members].map(([user, info]) => (info === undefined ? { user } : { user, info }));
    members.sort((x, y) => (x.user < y.user ? -1 : x.user > y.user ? 1 : 0));
    return { channel, count: p.count, truncated: p.truncated, members };
  }

  /** Where a history channel's stream stands: {epoch, offset} (every offset up to it seen), or null. */
  position(channel) {
    const p = this.positions.get(channel);
    return p ? { epoch: p.epoch, offset: p.offset } : null;
  }

  ping() {
    this.frame({ action: 'ping' });
  }

  isOpen() {
    return this.socket !== null && this.socket.readyState === 1;
  }

  /** The URL the socket opens: url with ?token= added (encoded) when there is a token. */
  socketUrl() {
    const url = new URL(this.url);
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new SyntaxError('the URL must start with ws:// or wss://');
    if (this.token) url.searchParams.set('token', this.token);
    return url.toString();
  }

  // ---- internals ----

  open() {
    this.retryTimer = null;
    this.status('connecting', { attempt: this.attempt });
    let socket;
    try {
      socket = new this.WebSocket(this.socketUrl());
    } catch (e) {
      this.scheduleReconnect({ code: 0, reason: String(e && e.message || e) });
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.openedAt = Date.now();
      if (this.pingIntervalMs > 0) this.pingTimer = setInterval(() => this.ping(), this.pingIntervalMs);
      this.status('open', { attempt: this.attempt });
      for (const channel of this.channels) this.joinFrame(channel);
    };
    socket.onmessage = (event) => this.received(event.data);
    socket.onerror = () => {}; // a close event follows; it decides
    socket.onclose = (event) => {
      this.detach(socket);
      const stable = this.openedAt > 0 && Date.now() - this.openedAt >= this.stableAfterMs;
      this.dropped();
      if (stable) this.attempt = 0;
      if (this.wanted) this.scheduleReconnect({ code: event.code, reason: event.reason });
      else this.status('closed', { code: event.code, reason: event.reason });
    };
  }

  scheduleReconnect(cause) {
    // exponential backoff with "equal jitter": half the delay fixed, half random, so clients that lost
    // their sockets together (a server restart) do not all come back in the same instant
    const delay = Math.min(this.backoffCapMs, this.backoffBaseMs * 2 ** Math.min(this.attempt, 30));
    const delayMs = Math.round(delay / 2 + Math.random() * delay / 2);
    this.attempt++;
    this.status('reconnecting', { attempt: this.attempt, delayMs, code: cause.code, reason: cause.reason });
    this.retryTimer = setTimeout(() => this.open(), delayMs);
  }

  detach(socket) {
    socket.onopen = socket.onmessage = socket.onclose = null;
    socket.onerror = () => {};
  }

  /** Forgets the socket: its timer, its id, and the sends (and presence questions) still waiting for an answer. */
  dropped() {
    clearInterval(this.pingTimer);
    this.pingTimer = null;
    this.socket = null;
    this.openedAt = 0;
    this.connectionId = null;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error('the connection closed before the answer to ' + id));
    }
    this.pending.clear();
  }

  received(data) {
    let frame = data;
    if (typeof data === 'string') {
      try { frame = JSON.parse(data); } catch { frame = data; }
    }
    this.emit('frame', frame);
    if (frame === null || typeof frame !== 'object') return;
    switch (frame.type) {
      case 'message': {
        if (!this.record(frame.channel, frame.epoch, frame.offset)) return; // seen: a replay and a live delivery
        this.emit('message', frame);
        for (const listener of this.channelListeners.get(frame.channel) || []) this.call(listener, frame);
        return;
      }
      case 'joined':
        this.connectionId = frame.connectionId || this.connectionId;
        // the replay (when there was one) came before this frame; otherwise the stream starts at its offset, or,
        // without one (the channel keeps no history), has no position to rejoin from
        if (frame.recovered !== true) {
          if (typeof frame.epoch === 'string') this.restart(frame.channel, frame.epoch, frame.offset);
          else this.positions.delete(frame.channel);
        }
        if (frame.presence) this.setMembers(frame.channel, frame.presence);
        this.emit('joined', frame);
        if (frame.recovered === false)
          this.emit('missed', { channel: frame.channel, epoch: frame.epoch, offset: frame.offset });
        return;
      case 'left':
        this.emit('left', frame);
        return;
      case 'ack': {
        // the sender does not receive its own message: its offset counts as seen (the ack has no channel: the
        // send it answers has)
        const sent = this.pending.get(String(frame.id));
        if (sent && sent.channel !== undefined) this.record(sent.channel, frame.epoch, frame.offset);
        this.answer(String(frame.id), { id: frame.id, recipients: frame.recipients, offset: frame.offset, epoch: frame.epoch });
        this.emit('ack', frame);
        return;
      }
      case 'presence':
        this.setMembers(frame.channel, frame);
        this.answer('presence ' + frame.channel, this.members(frame.channel));
        this.emit('presence', frame);
        return;
      case 'member_added':
      case 'member_removed':
        this.memberChanged(frame);
        return;
      case 'pong':
        this.emit('pong', frame);
        return;
      case 'error':
        this.emit('error', { code: frame.code, message: frame.message });
        return;
      case 'kicked':
        // an operator closed this connection on purpose (wsctl connections kick --reason): do not come back
        this.wanted = false;
        this.emit('kicked', { reason: frame.reason });
        return;
      default:
        // API Gateway's own answer to a frame no route took: {"message": "Forbidden", "connectionId", "requestId"}
        if (frame.type === undefined && typeof frame.message === 'string' && frame.requestId)
          this.emit('error', { code: 'gateway', message: frame.message });
    }
  }

  joinFrame(channel) {
    const p = this.positions.get(channel);
    this.frame(p ? { action: 'joinchannel', channel, since: { epoch: p.epoch, offset: p.offset } }
      : { action: 'joinchannel', channel });
  }

  /** A promise settled by answer(key, value), or rejected after ackTimeoutMs or when the socket closes. */
  expectAnswer(key, timeoutMessage, channel) {
    let entry;
    const promise = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new Error(timeoutMessage + ' within ' + this.ackTimeoutMs + ' ms'));
      }, this.ackTimeoutMs);
      entry = { resolve, reject, timer, channel };
    });
    entry.promise = promise;
    this.pending.set(key, entry);
    return promise;
  }

  answer(key, value) {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    clearTimeout(p.timer);
    p.resolve(value);
  }

  /**
   * Records that a delivery (or the ack of one's own message) with this offset was seen; false when it had been.
   * Frames without an offset (channels without history) are always new. Offsets can arrive out of order (a
   * message published during a replay comes live and replayed), so the seen ones above the last offset up to
   * which every one was seen are kept in a set.
   */
  record(channel, epoch, offset) {
    if (!this.channels.has(channel) || !Number.isSafeInteger(offset) || typeof epoch !== 'string') return true;
    let p = this.positions.get(channel);
    // the first offset seen here starts the stream; a new epoch (the history was lost or reset) starts at 1
    if (!p) p = this.restart(channel, epoch, offset - 1);
    else if (p.epoch !== epoch) p = this.restart(channel, epoch, 0);
    if (offset <= p.offset || p.seen.has(offset)) return false;
    p.seen.add(offset);
    this.advance(p);
    return true;
  }

  /** The stream of a history channel continues after offset in epoch (a join not recovered, a new epoch). */
  restart(channel, epoch, offset) {
    if (!this.channels.has(channel) || !Number.isSafeInteger(offset) || typeof epoch !== 'string') return null;
    const old = this.positions.get(channel);
    const p = { epoch, offset, seen: new Set() };
    // live deliveries can come before the join's answer: they were seen
    if (old && old.epoch === epoch) for (const o of old.seen) if (o > offset) p.seen.add(o);
    this.advance(p);
    this.positions.set(channel, p);
    return p;
  }

  advance(p) {
    while (p.seen.delete(p.offset + 1)) p.offset++;
    // a gap more than 1,000 (the most history keeps) offsets old can never be replayed: give it up
    while (p.seen.size > 1000) {
      p.offset = Math.min(...p.seen);
      p.seen.delete(p.offset);
      while (p.seen.delete(p.offset + 1)) p.offset++;
    }
  }

  setMembers(channel, presence) {
    const members = new Map();
    for (const m of presence.members || []) members.set(m.user, m.info);
    this.presences.set(channel, { count: presence.count ?? members.size, truncated: presence.truncated === true, members });
    this.emit('members', this.members(channel));
  }

  /** member_added / member_removed: a user's first connection joined, or its last one left. */
  memberChanged(frame) {
    const p = this.presences.get(frame.channel);
    if (!p) return;
    const listed = p.members.has(frame.user);
    if (frame.type === 'member_added') {
      if (!listed) p.count++;
      p.members.set(frame.user, frame.info);
    } else {
      // a user missing from a list that is not truncated had left already
      if (listed || p.truncated) p.count = Math.max(0, p.count - 1);
      p.members.delete(frame.user);
    }
    this.emit('members', this.members(frame.channel));
  }

  frame(object) {
    if (this.isOpen()) this.socket.send(JSON.stringify(object));
  }

  status(state, details = {}) {
    this.state = state;
    this.emit('status', { state, ...details });
  }

  emit(event, value) {
    for (const listener of this.listeners.get(event) || []) this.call(listener, value);
  }

  call(listener, value) {
    try {
      listener(value);
    } catch (e) {
      console.error('WsClient listener failed:', e);
    }
  }
}
// ---- end WsClient ----

export { WsClient };
