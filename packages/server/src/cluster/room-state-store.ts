// Privacy: keeps, in memory, for each meeting this node hosts its name and the state last written to
// Redis: settings, password hash, keyed hashes of people (inventory: meetings), until the meeting
// leaves this node. What it writes to Redis is the inventory's redis:room and redis:ended.
import type { Redis } from 'ioredis';
import type { Identity } from '../meeting/participant.js';
import { RESUME_TOKEN_MS } from '../meeting/resume-tokens.js';
import type {
  CarriedMarks,
  PasswordVerifier,
  PeopleMarks,
  RestoredRoom,
  RoomSnapshot,
  RoomStateStore,
} from '../meeting/room-snapshot.js';
import type { Standing } from '../meeting/standings.js';
import { declareStore } from '../privacy/memory-stores.js';
import { keyedHash, RedisKeys } from './redis-keys.js';

declareStore('meetings');

/**
 * A meeting's kept state outlives its last renewal by this long: enough for the apps to come back on
 * another node after a crash, short enough that a meeting nobody returns to is soon forgotten.
 */
export const ROOM_STATE_TTL_S = 180;

/** The Redis record: settings, the password's salted hash, and people only as keyed hashes. */
interface StoredRoom {
  meetingId: string;
  lobbyEnabled: boolean;
  locked: boolean;
  chatHistory: boolean;
  password: PasswordVerifier | null;
  attended: string[];
  removed: string[];
  /** Keyed hashes of the account ids and browser keys of people hard-muted. */
  hardMuted?: string[];
  /** Keyed hash of a lineage → its standing (resume tokens name lineages). */
  standings?: Record<string, Standing>;
}

/** Marks carried over from Redis: whoever matches a keyed hash attended / was removed / is hard-muted. */
class HashedMarks implements CarriedMarks {
  constructor(
    private readonly hash: (label: string, value: string) => string,
    readonly attendedHashes: ReadonlySet<string>,
    readonly removedHashes: ReadonlySet<string>,
    readonly standingsByHash: ReadonlyMap<string, Standing> = new Map(),
    readonly hardMutedHashes: Set<string> = new Set(),
  ) {}

  hardMuted(identity: Identity): boolean {
    return this.hashesOf(identity).some((hash) => this.hardMutedHashes.has(hash));
  }

  forgetHardMuted(identity: Identity): void {
    for (const hash of this.hashesOf(identity)) this.hardMutedHashes.delete(hash);
  }

  standing(lineage: string): Standing | undefined {
    return this.standingsByHash.get(this.hash('lineage', lineage));
  }

  attended(identity: Identity): boolean {
    return this.hashesOf(identity).some((hash) => this.attendedHashes.has(hash));
  }

  removed(identity: Identity): boolean {
    return this.hashesOf(identity).some((hash) => this.removedHashes.has(hash));
  }

  private hashesOf(identity: Identity): string[] {
    const hashes: string[] = [];
    if (identity.accountId !== null) hashes.push(this.hash('account', identity.accountId));
    if (identity.clientKey !== null) hashes.push(this.hash('client-key', identity.clientKey));
    return hashes;
  }
}

/**
 * Keeps meetings' state in Redis so that the node taking a meeting over (after a crash or a drain)
 * continues it with the same lock, lobby, password, chat-history switch, attendance, removals and
 * hard mutes.
 * Roles come back with the participants' resume tokens. Key: the room's keyed hash; every value is
 * free of names, display names and addresses.
 */
export class RedisRoomStateStore implements RoomStateStore {
  private readonly written = new Map<string, string>();
  /** While draining, the meetings leave this node but their state must stay for the next host. */
  private keeping = false;

  constructor(
    private readonly redis: Redis,
    private readonly secret: () => Buffer,
    private readonly roomKey: (roomName: string) => string,
  ) {}

  private hash = (label: string, value: string): string => keyedHash(this.secret(), label, value);

  async load(roomName: string): Promise<RestoredRoom | null> {
    const raw = await this.redis.get(RedisKeys.roomState(this.roomKey(roomName)));
    if (raw === null) return null;
    let stored: StoredRoom;
    try {
      stored = JSON.parse(raw) as StoredRoom;
    } catch {
      return null;
    }
    return {
      meetingId: stored.meetingId,
      lobbyEnabled: stored.lobbyEnabled === true,
      locked: stored.locked === true,
      chatHistory: stored.chatHistory === true,
      password: stored.password ?? null,
      marks: new HashedMarks(
        this.hash,
        new Set(stored.attended ?? []),
        new Set(stored.removed ?? []),
        new Map(Object.entries(stored.standings ?? {}).filter(([, standing]) => isStanding(standing))),
        new Set((stored.hardMuted ?? []).filter((hash) => typeof hash === 'string')),
      ),
    };
  }

  /** Writes the meeting's state (skipped when unchanged, but the expiry is always renewed). */
  async save(roomName: string, snapshot: RoomSnapshot): Promise<void> {
    const key = RedisKeys.roomState(this.roomKey(roomName));
    const value = JSON.stringify(this.encode(snapshot));
    if (this.written.get(roomName) === value) {
      await this.redis.expire(key, ROOM_STATE_TTL_S);
      return;
    }
    await this.redis.set(key, value, 'EX', ROOM_STATE_TTL_S);
    this.written.set(roomName, value);
  }

  /** save() for many meetings in one round trip (the heartbeat tick). */
  async saveAll(meetings: Array<[roomName: string, snapshot: RoomSnapshot]>): Promise<void> {
    if (meetings.length === 0) return;
    const pipeline = this.redis.pipeline();
    const wrote: Array<[string, string]> = [];
    for (const [roomName, snapshot] of meetings) {
      const key = RedisKeys.roomState(this.roomKey(roomName));
      const value = JSON.stringify(this.encode(snapshot));
      if (this.written.get(roomName) === value) {
        pipeline.expire(key, ROOM_STATE_TTL_S);
      } else {
        pipeline.set(key, value, 'EX', ROOM_STATE_TTL_S);
        wrote.push([roomName, value]);
      }
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
    for (const [roomName, value] of wrote) this.written.set(roomName, value);
  }

  remove(roomName: string, endedMeetingId?: string): void {
    this.written.delete(roomName);
    const ended =
      endedMeetingId === undefined
        ? Promise.resolve()
        : this.redis.set(
            RedisKeys.endedMeeting(this.hash('meeting', endedMeetingId)),
            '1',
            'PX',
            RESUME_TOKEN_MS,
          );
    const removed = this.keeping
      ? Promise.resolve()
      : this.redis.del(RedisKeys.roomState(this.roomKey(roomName)));
    Promise.all([ended, removed]).catch(() => {
      // Redis unreachable: the state expires by itself (ROOM_STATE_TTL_S); the end is not shared.
    });
  }

  /** A moderator ended this meeting (on whichever node hosted it). */
  async wasEnded(meetingId: string): Promise<boolean> {
    return (await this.redis.exists(RedisKeys.endedMeeting(this.hash('meeting', meetingId)))) === 1;
  }

  /** Forget what was written (this node no longer hosts the meeting) without touching Redis. */
  forget(roomName: string): void {
    this.written.delete(roomName);
  }

  /** From now on meetings ending here keep their state in Redis (the node is draining). */
  keepAll(): void {
    this.keeping = true;
  }

  private encode(snapshot: RoomSnapshot): StoredRoom {
    const hashed = (marks: PeopleMarks) => [
      ...marks.accountIds.map((id) => this.hash('account', id)),
      ...marks.clientKeys.map((key) => this.hash('client-key', key)),
    ];
    const carried = snapshot.carried instanceof HashedMarks ? snapshot.carried : null;
    const union = (own: string[], earlier: ReadonlySet<string> | undefined) =>
      [...new Set([...own, ...(earlier ?? [])])].sort();
    return {
      meetingId: snapshot.meetingId,
      lobbyEnabled: snapshot.lobbyEnabled,
      locked: snapshot.locked,
      chatHistory: snapshot.chatHistory,
      password: snapshot.password,
      attended: union(hashed(snapshot.attendance), carried?.attendedHashes),
      removed: union(hashed(snapshot.removals), carried?.removedHashes),
      hardMuted: union(hashed(snapshot.hardMuted), carried?.hardMutedHashes),
      standings: {
        ...Object.fromEntries(carried?.standingsByHash ?? []),
        ...Object.fromEntries(
          snapshot.standings.map(([lineage, standing]) => [this.hash('lineage', lineage), standing]),
        ),
      },
    };
  }
}

function isStanding(value: unknown): value is Standing {
  if (typeof value !== 'object' || value === null) return false;
  const { role, hardMuted, removed } = value as Record<string, unknown>;
  return (
    (role === 'moderator' || role === 'participant') &&
    typeof hardMuted === 'boolean' &&
    typeof removed === 'boolean'
  );
}
