// Privacy: keeps, in memory, the names of the meetings this node hosts next to their keyed hashes
// (inventory: meetings), until each meeting ends; and the cluster secret, a key that is also in Redis
// (inventory id redis:cluster-secret), until the process stops.
import { randomBytes } from 'node:crypto';
import { CloseCode } from '@parley/protocol';
import { Redis } from 'ioredis';
import type { WebSocket } from 'ws';
import type { Logger } from '../logger.js';
import type { Meetings } from '../meeting/meetings.js';
import type { RoomSnapshot } from '../meeting/room-snapshot.js';
import { declareStore } from '../privacy/memory-stores.js';
import { type Arrival, HERE, holdUntilPlaced, type Placement } from './arrival.js';
import { configuredSecret, type SecretSource, storedSecret } from './cluster-secret.js';
import { type ForwardedClient, signForwardedClient, verifyForwardedClient } from './forwarded-client.js';
import { CLAIM_TTL_MS, MeetingClaims } from './meeting-claims.js';
import { HEARTBEAT_INTERVAL_MS, leastLoaded, NodeDirectory, type NodeInfo } from './node-directory.js';
import { derivedKey, keyedHash } from './redis-keys.js';
import { RedisRoomStateStore } from './room-state-store.js';
import { type BufferedMessage, SignalingProxy } from './signaling-proxy.js';

declareStore('meetings');

/** A connection forwarded this many times is not forwarded again (nodes disagreeing must not loop). */
const MAX_HOPS = 2;
/** A node that refused a forwarded connection counts as gone this long, whatever its heartbeat says. */
const REFUSED_NODE_MS = 10_000;
/** A claim is kept this long for the joiner that made it, before any meeting exists here. */
const CLAIM_GRACE_MS = 5000;

export interface ClusterOptions {
  redisUrl: string;
  /** PARLEY_CLUSTER_SECRET; unset: a random secret kept in Redis. */
  secret?: string | undefined;
  logger: Logger;
}

interface Hosted {
  roomKey: string;
  /** When the meeting was last seen here (or claimed). */
  seenAt: number;
}

/**
 * This node's part in a Redis-coordinated cluster (docs/cluster.md): it announces itself with a
 * heartbeat, hosts the meetings it claimed, forwards signaling connections for meetings hosted
 * elsewhere, keeps its meetings' state in Redis for whoever takes them over, and drains on SIGTERM.
 */
export class Cluster {
  readonly nodeId = randomBytes(6).toString('base64url');
  readonly claims: MeetingClaims;
  readonly directory: NodeDirectory;
  readonly roomState: RedisRoomStateStore;
  private meetings: Meetings | null = null;
  private readonly hosted = new Map<string, Hosted>();
  private readonly proxies = new Set<SignalingProxy>();
  /** Nodes whose port refused a forwarded connection (killed): node id → when. */
  private readonly refusedBy = new Map<string, number>();
  private draining = false;
  /** When Redis last took this node's heartbeat. */
  private lastContact = Date.now();
  /** How the other nodes reach this one (PARLEY_NODE_URL, or where it listens). */
  private nodeUrl = '';
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> = Promise.resolve();

  private constructor(
    readonly redis: Redis,
    private readonly secretSource: SecretSource,
    private readonly secret: Buffer,
    private readonly options: ClusterOptions,
  ) {
    this.claims = new MeetingClaims(redis);
    this.directory = new NodeDirectory(redis);
    this.resumeKey = derivedKey(secret, 'resume-tokens');
    this.roomState = new RedisRoomStateStore(
      redis,
      () => this.secret,
      (name) => this.roomKey(name),
    );
  }

  /** Connects to Redis and obtains the cluster secret; the node is not announced before `attach`. */
  static async connect(options: ClusterOptions): Promise<Cluster> {
    const redis = new Redis(options.redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      // A hung Redis must not hold up joins or heartbeats for long.
      commandTimeout: 3000,
    });
    // Errors surface where commands fail; without a listener ioredis would print them itself.
    redis.on('error', () => {});
    await redis.connect();
    const source = options.secret ? configuredSecret(options.secret) : storedSecret(redis);
    return new Cluster(redis, source, await source.obtain(), options);
  }

  /** The key resume tokens are signed with: the same on every node, so any node accepts them. */
  signingKey = (): Buffer => this.resumeKey;
  private readonly resumeKey: Buffer;

  /** The room's name as Redis sees it: a keyed hash. */
  roomKey(roomName: string): string {
    return keyedHash(this.secret, 'room', roomName);
  }

  /** Starts heartbeats and claim renewal for this node's meetings. */
  async attach(meetings: Meetings, nodeUrl: string): Promise<void> {
    this.meetings = meetings;
    this.nodeUrl = nodeUrl;
    await this.directory.announce(this.selfInfo());
    const loopback = /^https?:\/\/(127\.|localhost|\[::1\])/.test(nodeUrl);
    // Other machines cannot reach a loopback URL: fine for nodes on one machine, wrong otherwise.
    this.options.logger.info({ node: this.nodeId, loopback }, 'cluster: node announced');
    this.timer = setInterval(() => {
      this.ticking = this.ticking.then(() => this.tick());
    }, HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  /**
   * MeetingsOptions.mayReopen: a resume token may reopen its meeting here only while this node holds
   * the meeting's claim, and never a meeting a moderator ended anywhere in the cluster.
   */
  mayReopen = async (roomName: string, meetingId: string): Promise<boolean> => {
    if ((await this.claims.owner(this.roomKey(roomName))) !== this.nodeId) return false;
    return !(await this.roomState.wasEnded(meetingId));
  };

  /** The verified facts of a connection another node forwarded here, or null. */
  forwardedFrom(header: string | string[] | undefined): ForwardedClient | null {
    return verifyForwardedClient(this.secret, header);
  }

  /** For /readyz: Redis answers (throws otherwise). */
  readiness = {
    name: 'redis',
    check: async (): Promise<void> => {
      await this.redis.ping();
    },
  };

  /**
   * A signaling connection opened here: served on this node (`open` starts the session) or forwarded
   * to the node hosting its meeting, once its first message names the room (arrival.ts).
   */
  route(
    socket: WebSocket,
    arrival: Arrival,
    open: () => Promise<() => void>,
    handedOver: () => void = () => {},
  ): void {
    holdUntilPlaced(socket, open, {
      place: (roomName) => this.place(roomName, arrival.hops),
      forward: (node, held) => {
        handedOver();
        this.forward(socket, arrival, node, held);
      },
      logger: this.options.logger,
    });
  }

  private forward(socket: WebSocket, arrival: Arrival, node: NodeInfo, held: BufferedMessage[]): void {
    const forwarded = signForwardedClient(this.secret, {
      address: arrival.address ?? '',
      host: arrival.host ?? '',
      protocol: arrival.protocol,
      hops: arrival.hops + 1,
    });
    const proxy: SignalingProxy = new SignalingProxy(
      socket,
      { nodeUrl: node.url, cookie: arrival.cookie, origin: arrival.origin, forwarded },
      held,
      () => this.proxies.delete(proxy),
      () => this.refusedBy.set(node.id, Date.now()),
    );
    this.proxies.add(proxy);
  }

  /** Decides where a meeting runs: here, on the node that hosts it, or (new) on the least-loaded node. */
  private async place(roomName: string, hops: number): Promise<Placement> {
    const roomKey = this.roomKey(roomName);
    for (let attempt = 0; attempt < 4; attempt++) {
      const owner = await this.claims.owner(roomKey);
      if (owner === this.nodeId) return this.host(roomName, roomKey);
      if (owner !== null) {
        const node = this.refused(owner) ? null : await this.directory.get(owner);
        if (node) return hops < MAX_HOPS ? { here: false, node } : { refused: true };
        // Its node stopped heartbeating: take the meeting over now rather than when the claim expires.
        await this.claims.release(roomKey, owner);
        this.options.logger.info({ node: owner }, 'cluster: took over a meeting of a departed node');
        continue;
      }
      // A new meeting (or one whose host is gone). A forwarded arrival was placed here on purpose.
      if (hops === 0 || this.draining) {
        const target = leastLoaded(await this.liveNodes(), this.nodeId);
        if (target && target.id !== this.nodeId) {
          return hops < MAX_HOPS ? { here: false, node: target } : { refused: true };
        }
      }
      if (await this.claims.claim(roomKey, this.nodeId)) return this.host(roomName, roomKey);
    }
    return { refused: true };
  }

  private host(roomName: string, roomKey: string): Placement {
    const entry = this.hosted.get(roomName);
    if (entry) entry.seenAt = Date.now();
    else this.hosted.set(roomName, { roomKey, seenAt: Date.now() });
    return HERE;
  }

  /** Every live node, with this one's entry as it is now (its heartbeat may be two seconds old). */
  private async liveNodes(): Promise<NodeInfo[]> {
    const nodes = (await this.directory.live()).filter(
      (node) => node.id !== this.nodeId && !this.refused(node.id),
    );
    return [...nodes, this.selfInfo()];
  }

  /**
   * Its port refused a connection lately: the process is gone (a restarted node has a new id), even
   * if its heartbeat has not expired yet. Taking its meetings over at once saves seconds of failover.
   */
  private refused(nodeId: string): boolean {
    const at = this.refusedBy.get(nodeId);
    if (at === undefined) return false;
    if (Date.now() - at < REFUSED_NODE_MS) return true;
    this.refusedBy.delete(nodeId);
    return false;
  }

  private selfInfo(): NodeInfo {
    const counts = this.meetings?.counts() ?? { rooms: 0, participants: 0 };
    return {
      id: this.nodeId,
      url: this.nodeUrl,
      participants: counts.participants,
      meetings: counts.rooms,
      draining: this.draining,
    };
  }

  /** Every HEARTBEAT_INTERVAL_MS: heartbeat, renew or release claims, save meetings' state. */
  private async tick(): Promise<void> {
    if (this.closed) return;
    try {
      await this.directory.announce(this.selfInfo());
      if (!(await this.secretSource.refresh(this.secret))) {
        // Redis lost the secret and a node that started meanwhile made another: the two cannot work
        // together until restarted. PARLEY_CLUSTER_SECRET rules this out.
        this.options.logger.error('cluster: another cluster secret appeared in Redis; restart the nodes');
      }
      this.lastContact = Date.now();
      await this.keepAll();
    } catch (err) {
      this.options.logger.warn({ err }, 'cluster: heartbeat failed');
      this.fenceIfCutOff();
    }
  }

  /**
   * Cut off from Redis for longer than a claim lives: other nodes count this one as gone and may
   * host its meetings already. Two hosts must not run one meeting, so this node lets go of its
   * meetings and the apps resume wherever the meeting is hosted now.
   */
  private fenceIfCutOff(): void {
    if (Date.now() - this.lastContact <= CLAIM_TTL_MS || this.hosted.size === 0) return;
    const rooms = [...this.hosted.keys()].flatMap((name) => this.meetings?.registry.find(name) ?? []);
    this.options.logger.warn({ meetings: rooms.length }, 'cluster: cut off from Redis, letting meetings go');
    for (const roomName of this.hosted.keys()) this.roomState.forget(roomName);
    this.hosted.clear();
    this.meetings?.handOver(rooms);
  }

  /**
   * Renew the claims of every meeting still here (and of fresh claims within their grace), save the
   * state of the open ones, let go of the rest — in one round trip for all claims and one for all
   * states, so that however many rooms guests squat, the tick stays far below CLAIM_TTL_MS.
   */
  private async keepAll(): Promise<void> {
    const hosted = [...this.hosted];
    const now = Date.now();
    const kept: Array<[string, Hosted]> = [];
    for (const [roomName, entry] of hosted) {
      if (this.meetings?.registry.find(roomName)) {
        entry.seenAt = now;
        kept.push([roomName, entry]);
      } else if (now - entry.seenAt < CLAIM_GRACE_MS) {
        kept.push([roomName, entry]);
      } else {
        await this.claims.release(entry.roomKey, this.nodeId);
        this.hosted.delete(roomName);
        this.roomState.forget(roomName);
      }
    }
    const renewed = await this.claims.renewAll(
      kept.map(([, entry]) => entry.roomKey),
      this.nodeId,
    );
    const states: Array<[string, RoomSnapshot]> = [];
    kept.forEach(([roomName], i) => {
      const room = this.meetings?.registry.find(roomName);
      if (!room) return;
      if (renewed[i]) {
        // A room guests only wait in has nothing to hand on.
        if (room.isOpen) states.push([roomName, room.snapshot()]);
        return;
      }
      // Another node took the meeting over (this one lost Redis for too long): send everyone there.
      this.options.logger.warn({ roomId: room.id }, 'cluster: lost the claim of a meeting');
      this.hosted.delete(roomName);
      this.roomState.forget(roomName);
      this.meetings?.handOver([room]);
    });
    await this.roomState.saveAll(states);
  }

  /**
   * SIGTERM: take no new meetings, leave every hosted meeting's state in Redis, give up the claims,
   * close every connection with `node-draining` (the apps resume on other nodes) and wait, at most
   * `timeoutMs`, for the connections to go.
   */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.draining = true;
    this.roomState.keepAll();
    await this.ticking;
    const meetings = this.meetings;
    try {
      await this.directory.announce(this.selfInfo());
      for (const [roomName, entry] of [...this.hosted]) {
        const room = meetings?.registry.find(roomName);
        if (room) await this.roomState.save(roomName, room.snapshot());
        await this.claims.release(entry.roomKey, this.nodeId);
        this.hosted.delete(roomName);
      }
    } catch (err) {
      this.options.logger.warn({ err }, 'cluster: drain could not reach Redis');
    }
    const moved = meetings?.counts() ?? { rooms: 0, participants: 0 };
    meetings?.handOver();
    for (const proxy of [...this.proxies]) proxy.close(CloseCode.nodeDraining, 'node-draining');
    this.options.logger.info({ meetings: moved.rooms, participants: moved.participants }, 'cluster: drained');
    while (this.proxies.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // The sessions close their sockets on the next turn of the event loop.
    await new Promise((r) => setImmediate(r));
  }

  /** Stops heartbeats, gives up what this node still holds and disconnects from Redis. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    try {
      for (const entry of this.hosted.values()) await this.claims.release(entry.roomKey, this.nodeId);
      await this.directory.withdraw(this.nodeId);
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
    this.hosted.clear();
  }
}
