/**
 * The hostile-server test mode: a modified delivery service, as an attacker who runs the server
 * would build it. It is not part of Parley: it lives outside `packages/server/src`, so `tsc -b`
 * (and with it `npm start`) never compiles it, and nothing in `src` imports it
 * (packages/server/test/hostile/not-in-build.test.ts checks both). Only the browser tests load it:
 * e2e/support/hostile.ts bundles it into a temporary file and starts the built server with
 * `node --import <that file>`; it acts only in the server's main thread (not in media worker
 * threads or the admin command line, which inherit the flag).
 *
 * It hooks the two doors every end-to-end-encryption event leaves the server through
 * (`Room.broadcast` and the delivery service's `sendTo`) and listens for the test's orders on a
 * loopback HTTP port (PARLEY_HOSTILE_CONTROL_PORT): rules that rewrite or drop events, and events
 * to inject into one participant's connection.
 */
import { createServer } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

/** What the test orders, by participant display name. */
export type HostileRule =
  /** Never deliver events of this type (to `to`, or to anyone). */
  | { kind: 'drop'; type: string; to?: string }
  /** Every commit request also asks to add a second leaf for `victim` (a key package the attacker made). */
  | { kind: 'duplicate-add'; victim: string }
  /** Encrypted chat: claim it came from `from` and was sent privately to `to`. */
  | { kind: 'rewrite-chat'; from: string; to: string };

export type HostileOrder =
  | { order: 'rules'; rules: HostileRule[] }
  /** Send `event` to `to` now, `count` times `intervalMs` apart. `proof: 'garbage'` fills in junk. */
  | { order: 'inject'; to: string; event: Record<string, unknown>; count?: number; intervalMs?: number }
  /** Send `to` a well-framed commit of junk for the group's current epoch. */
  | { order: 'garbage-commit'; to: string };

interface Channel {
  send(event: Record<string, unknown>): void;
}
interface ParticipantLike {
  id: string;
  displayName: string;
  channel: Channel;
}
interface RoomLike {
  participants: Map<string, ParticipantLike>;
}
interface DeliveryLike {
  groups: WeakMap<RoomLike, { epoch: number; groupId: string | null }>;
}

/** The built server this runs inside (its entry point is `dist/main.js`). */
const dist = path.dirname(process.argv[1] ?? '');
const rooms = new Set<RoomLike>();
let delivery: DeliveryLike | null = null;
let rules: HostileRule[] = [];

function find(name: string): { room: RoomLike; participant: ParticipantLike } | null {
  for (const room of rooms)
    for (const participant of room.participants.values())
      if (participant.displayName === name) return { room, participant };
  return null;
}

function idOf(name: string): string | null {
  return find(name)?.participant.id ?? null;
}

async function ghostKeyPackage(participantId: string): Promise<string> {
  // The attacker's own MLS client, with a credential naming someone already present.
  const { MlsMember } = await import('../../../web/src/e2ee/mls-member.js');
  return new MlsMember(participantId).createKeyPackage();
}

/** Applies the rules to one event on its way to one participant. */
async function deliver(participant: ParticipantLike, event: Record<string, unknown>): Promise<void> {
  let out: Record<string, unknown> | null = event;
  for (const rule of rules) {
    if (!out) break;
    if (rule.kind === 'drop' && out.type === rule.type && (!rule.to || rule.to === participant.displayName))
      out = null;
    else if (rule.kind === 'duplicate-add' && out.type === 'e2ee-commit-request') {
      const victim = idOf(rule.victim);
      if (victim) {
        const keyPackage = await ghostKeyPackage(victim);
        const add: unknown[] = [...((out.add as unknown[]) ?? []), { participantId: victim, keyPackage }];
        out = { ...out, add };
      }
    } else if (rule.kind === 'rewrite-chat' && out.type === 'e2ee-chat-message') {
      const from = idOf(rule.from);
      const to = idOf(rule.to);
      if (from && to) out = { ...out, message: { ...(out.message as object), from, to } };
    }
  }
  if (out) participant.channel.send(out);
}

function garbageCommit(groupIdHex: string, epoch: number): string {
  const groupId = Buffer.from(groupIdHex, 'hex');
  const epochBytes = Buffer.alloc(8);
  epochBytes.writeBigUInt64BE(BigInt(epoch));
  const vector = (bytes: Buffer) =>
    Buffer.concat([Buffer.from([0x40 | (bytes.length >> 8), bytes.length & 0xff]), bytes]);
  return Buffer.concat([
    Buffer.from([0, 1, 0, 2]),
    vector(groupId),
    epochBytes,
    Buffer.from([3]),
    vector(Buffer.alloc(0)),
    vector(Buffer.alloc(40, 7)),
    vector(Buffer.alloc(200, 9)),
  ]).toString('base64');
}

async function obey(order: HostileOrder): Promise<unknown> {
  switch (order.order) {
    case 'rules':
      rules = order.rules;
      return { ok: true };
    case 'inject': {
      const target = find(order.to);
      if (!target) throw new Error(`nobody called ${order.to}`);
      const event = { ...order.event };
      if (event.proof === 'garbage')
        event.proof = Buffer.from('not a signed switch-off at all').toString('base64');
      const count = order.count ?? 1;
      for (let i = 0; i < count; i++) {
        target.participant.channel.send(event);
        if (i + 1 < count) await new Promise((resolve) => setTimeout(resolve, order.intervalMs ?? 50));
      }
      return { ok: true, sent: count };
    }
    case 'garbage-commit': {
      const target = find(order.to);
      const group = target && delivery?.groups.get(target.room);
      if (!target || !group?.groupId) throw new Error('no encrypted group');
      target.participant.channel.send({
        type: 'e2ee-commit',
        epoch: group.epoch,
        commit: garbageCommit(group.groupId, group.epoch),
      });
      return { ok: true, epoch: group.epoch };
    }
  }
}

async function install(): Promise<void> {
  const { Room } = (await import(pathToFileURL(path.join(dist, 'meeting/room.js')).href)) as {
    Room: { prototype: { broadcast(event: Record<string, unknown>, except?: string): void } };
  };
  const { E2eeDelivery } = (await import(
    pathToFileURL(path.join(dist, 'features/e2ee/e2ee-delivery.js')).href
  )) as {
    E2eeDelivery: { prototype: Record<string, unknown> };
  };
  const broadcast = Room.prototype.broadcast;
  Room.prototype.broadcast = function (this: RoomLike, event, except) {
    rooms.add(this);
    if (typeof event.type !== 'string' || !event.type.startsWith('e2ee-')) {
      broadcast.call(this, event, except);
      return;
    }
    for (const participant of this.participants.values())
      if (participant.id !== except) void deliver(participant, event);
  };
  E2eeDelivery.prototype.sendTo = function (
    this: DeliveryLike,
    room: RoomLike,
    participantId: string,
    event: Record<string, unknown>,
  ) {
    delivery = this;
    rooms.add(room);
    const participant = room.participants.get(participantId);
    if (participant) void deliver(participant, event);
  };

  const port = Number(process.env.PARLEY_HOSTILE_CONTROL_PORT);
  createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      obey(JSON.parse(body) as HostileOrder).then(
        (result) => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify(result));
        },
        (error: Error) => {
          response.writeHead(409, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: error.message }));
        },
      );
    });
  }).listen(port, '127.0.0.1');
}

const inServer = isMainThread && (process.argv[1]?.endsWith('main.js') ?? false);
if (inServer && process.env.PARLEY_HOSTILE_CONTROL_PORT) await install();
