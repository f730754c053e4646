import type { E2eeRoomState } from '@parley/protocol';
import { isWelcome, offPolicyOf, privateMessageHeader } from './mls-framing.js';

/** A commit asked of one member and not answered yet. */
export interface Inflight {
  committer: string;
  epoch: number;
  create: boolean;
  add: string[];
  remove: string[];
  timer: NodeJS.Timeout;
}

/** One room's MLS group as the delivery service sees it: who is in it, never a key. */
export interface Group {
  state: Exclude<E2eeRoomState, 'off'>;
  /** The MLS epoch the group is at (accepted commits). */
  epoch: number;
  /** The MLS group id (hex) from the first commit's clear header: every later message must name it. */
  groupId: string | null;
  /** Participant ids whose leaves are in the MLS tree, in the order they entered. */
  members: Set<string>;
  /** Who should create the group while it has no members (the one who switched E2EE on). */
  creator: string | null;
  /** Key packages of participants waiting to be added (public data). */
  keyPackages: Map<string, string>;
  /** Members who left the meeting and must be removed from the tree. */
  removals: Set<string>;
  inflight: Inflight | null;
  /** Members that installed the keys of `epoch`; null when no switch is waiting. */
  ready: Set<string> | null;
  readyTimer: NodeJS.Timeout | null;
  batchTimer: NodeJS.Timeout | null;
}

/** A fresh group, made by the first commit of `creator` (or of whoever sends a key package first). */
export function newGroup(creator: string | null): Group {
  return {
    state: 'pending',
    epoch: 0,
    groupId: null,
    members: new Set(),
    creator,
    keyPackages: new Map(),
    removals: new Set(),
    inflight: null,
    ready: null,
    readyTimer: null,
    batchTimer: null,
  };
}

/** Members whose seat is not about to be removed. */
export function activeMembers(group: Group): string[] {
  return [...group.members].filter((id) => !group.removals.has(id));
}

/** Nobody is left in the tree: the next key package holder creates a fresh group. */
export function restartGroup(group: Group): void {
  group.members.clear();
  group.removals.clear();
  group.epoch = 0;
  group.groupId = null;
  group.inflight = null;
  if (group.readyTimer) clearTimeout(group.readyTimer);
  group.ready = null;
  group.readyTimer = null;
}

/** What can be checked of a commit and welcome without keys: their framing, group and epoch. */
export function wellFramed(
  group: Group,
  inflight: Inflight,
  commit: string | undefined,
  welcome: string | undefined,
): boolean {
  if (welcome !== undefined && !isWelcome(welcome)) return false;
  if (commit === undefined) return true;
  const header = privateMessageHeader(commit);
  if (header?.contentType !== 'commit' || header.epoch !== BigInt(inflight.epoch)) return false;
  if (group.groupId !== null && !inflight.create) return header.groupId === group.groupId;
  // A new group: its id must carry a switch-off policy the clients can read.
  return offPolicyOf(header.groupId) !== null;
}
