import { createServer } from 'node:http';

import { afterEach, describe, expect, it } from '@jest/globals';
import { Server } from 'socket.io';

import { BacklogLimit } from './connection-backlog.js';
import { FanoutWriter, fanoutShapeProblem, websocketShapeProblem } from './fanout-writer.js';

/** One ordered record of everything written anywhere, to check what overtakes what. */
type Written = { to: string; via: 'direct' | 'stream' | 'engine' | 'socket.io'; data: string };

/** A TCP socket under ws: records writes; `writableLength` says what its stream still holds. */
class FakeTcp {
  writable = true;
  destroyed = false;
  connecting = false;
  writableLength = 0;
  _handle = { writeQueueSize: 0 };
  constructor(
    private readonly name: string,
    private readonly log: Written[],
  ) {}
  write(data: Buffer): boolean {
    this.log.push({ to: this.name, via: 'stream', data: data.toString() });
    return true;
  }
  _writeGeneric(_writev: false, data: Buffer, _encoding: string, done: (e?: Error) => void) {
    this.log.push({ to: this.name, via: 'direct', data: data.toString() });
    done();
  }
  destroy(): void {
    this.destroyed = true;
    this.writable = false;
  }
}

/** engine.io's connection, as far as the writer and the backlog limit look at it. */
class FakeConnection {
  readyState = 'open';
  upgrading = false;
  writeBuffer: unknown[] = [];
  transport: {
    name: string;
    writable: boolean;
    socket: { readyState: number; _socket: FakeTcp };
  };
  constructor(
    readonly name: string,
    private readonly log: Written[],
    readonly server: object,
  ) {
    this.transport = {
      name: 'websocket',
      writable: true,
      socket: { readyState: 1, _socket: new FakeTcp(name, log) },
    };
  }
  write(data: string): this {
    this.log.push({ to: this.name, via: 'engine', data });
    return this;
  }
  close(): void {
    this.readyState = 'closed';
  }
}

/** socket.io-adapter's local broadcast, reduced to what the writer hooks into. */
function fakeAdapter(log: Written[]) {
  const sockets = new Map<string, { conn: FakeConnection; notifyOutgoingListeners?: () => void }>();
  const adapter = {
    rooms: new Map<string, Set<string>>(),
    nsp: { sockets },
    computeExceptSids: (except?: Set<string>) => except ?? new Set<string>(),
    _encode(packet: { data: string }, options: { wsPreEncodedFrame?: Buffer[] }) {
      options.wsPreEncodedFrame = [Buffer.from('<'), Buffer.from(packet.data)];
      return [packet.data];
    },
    apply(opts: { rooms: Set<string> }, deliver: (socket: { conn: FakeConnection }) => void): void {
      for (const room of opts.rooms) {
        for (const id of adapter.rooms.get(room) ?? []) {
          const socket = sockets.get(id);
          if (socket) {
            deliver(socket);
          }
        }
      }
    },
  };
  /** What `broadcast` does: encode once, then apply; Socket.IO's own write is the callback. */
  const broadcast = (data: string, extra: { volatile?: boolean; id?: number } = {}) => {
    const options: { volatile?: boolean; wsPreEncodedFrame?: Buffer[] } = {
      volatile: extra.volatile,
    };
    adapter._encode({ data, ...(extra.id === undefined ? {} : { id: extra.id }) }, options);
    adapter.apply({ rooms: new Set(['room']) }, (socket) =>
      log.push({ to: socket.conn.name, via: 'socket.io', data }),
    );
  };
  return { adapter, sockets, broadcast };
}

function setUp(maxBytes = 1024) {
  const log: Written[] = [];
  const engine = {};
  const limit = new BacklogLimit(maxBytes, engine);
  const writer = new FanoutWriter(limit);
  const { adapter, sockets, broadcast } = fakeAdapter(log);
  writer.attachAdapter(adapter);
  const connect = (name: string) => {
    const conn = new FakeConnection(name, log, engine);
    writer.attach(conn);
    sockets.set(name, { conn });
    const members = adapter.rooms.get('room') ?? new Set<string>();
    members.add(name);
    adapter.rooms.set('room', members);
    return conn;
  };
  return { log, writer, connect, broadcast };
}

describe('FanoutWriter (fake connections)', () => {
  it('sends every frame of one round to each recipient in one write, in order', () => {
    const { log, writer, connect, broadcast } = setUp();
    connect('a');
    connect('b');
    broadcast('1');
    broadcast('2');
    expect(log).toEqual([]);
    writer.flush();
    expect(log).toEqual([
      { to: 'a', via: 'direct', data: '<1<2' },
      { to: 'b', via: 'direct', data: '<1<2' },
    ]);
    expect(writer.framesCoalesced).toBe(4);
    expect(writer.batchesWritten).toBe(2);
  });

  it('writes queued frames before anything else written to the connection (an ack)', () => {
    const { log, connect, broadcast } = setUp();
    const a = connect('a');
    broadcast('1');
    a.write('ack');
    expect(log).toEqual([
      { to: 'a', via: 'direct', data: '<1' },
      { to: 'a', via: 'engine', data: 'ack' },
    ]);
  });

  it('goes through the stream when part of an earlier write is still buffered', () => {
    const { log, writer, connect, broadcast } = setUp();
    const a = connect('a');
    a.transport.socket._socket.writableLength = 10;
    broadcast('1');
    writer.flush();
    expect(log).toEqual([{ to: 'a', via: 'stream', data: '<1' }]);
  });

  it('closes a recipient whose backlog would pass the limit, and still serves the others', () => {
    const { log, writer, connect, broadcast } = setUp(100);
    const slow = connect('slow');
    connect('fast');
    slow.transport.socket._socket.writableLength = 99;
    broadcast('1');
    writer.flush();
    expect(slow.transport.socket._socket.destroyed).toBe(true);
    expect(log).toEqual([{ to: 'fast', via: 'direct', data: '<1' }]);
  });

  it("leaves Socket.IO's path to connections that cannot take a frame now, in order", () => {
    const { log, writer, connect, broadcast } = setUp();
    const polling = connect('polling');
    polling.transport.name = 'polling';
    const upgrading = connect('upgrading');
    upgrading.upgrading = true;
    const busy = connect('busy');
    busy.writeBuffer.push({ data: 'earlier' });
    broadcast('1');
    writer.flush();
    expect(log).toEqual([
      { to: 'polling', via: 'socket.io', data: '1' },
      { to: 'upgrading', via: 'socket.io', data: '1' },
      { to: 'busy', via: 'socket.io', data: '1' },
    ]);
  });

  it("leaves volatile packets and packets expecting acks to Socket.IO's path", () => {
    const { log, writer, connect, broadcast } = setUp();
    connect('a');
    broadcast('v', { volatile: true });
    broadcast('k', { id: 7 });
    writer.flush();
    expect(log).toEqual([
      { to: 'a', via: 'socket.io', data: 'v' },
      { to: 'a', via: 'socket.io', data: 'k' },
    ]);
  });

  it('once disabled, writes what it queued and hands every later broadcast to Socket.IO', () => {
    const { log, writer, connect, broadcast } = setUp();
    connect('a');
    broadcast('1');
    writer.disable();
    broadcast('2');
    expect(writer.coalescing).toBe(false);
    expect(log).toEqual([
      { to: 'a', via: 'direct', data: '<1' },
      { to: 'a', via: 'socket.io', data: '2' },
    ]);
  });
});

describe('The shape checks behind the fallback to Socket.IO', () => {
  let io: Server | undefined;
  afterEach(async () => {
    await io?.close();
    io = undefined;
  });

  it('find everything they need in the pinned socket.io, with per-message deflate off', () => {
    io = new Server(createServer());
    const options = Reflect.get(io.engine, 'opts') as { perMessageDeflate?: unknown };
    expect(options.perMessageDeflate).toBeFalsy();
    expect(fanoutShapeProblem(io.of('/').adapter, options)).toBeUndefined();
  });

  it('refuse per-message deflate, and an adapter without what the writer hooks', () => {
    io = new Server(createServer(), { perMessageDeflate: true });
    const adapter = io.of('/').adapter;
    expect(fanoutShapeProblem(adapter, Reflect.get(io.engine, 'opts') as object)).toMatch(
      /deflate/,
    );
    const renamed = Object.create(adapter) as Record<string, unknown>;
    renamed._encode = undefined;
    expect(fanoutShapeProblem(renamed, {})).toMatch(/_encode/);
  });

  it('refuse a WebSocket connection without the TCP socket under ws', () => {
    const conn = new FakeConnection('a', [], {});
    expect(websocketShapeProblem(conn)).toBeUndefined();
    Reflect.deleteProperty(conn.transport.socket, '_socket');
    expect(websocketShapeProblem(conn)).toMatch(/_socket/);
  });
});
