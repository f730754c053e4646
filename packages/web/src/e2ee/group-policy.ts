/**
 * The meeting's switch-off policy, carried in the MLS group id. The group id is part of the group
 * context every member agrees on (it goes into the key schedule, the welcome's signed GroupInfo and
 * the epoch authenticator), so the server cannot show one member a different policy than another,
 * nor change it later. It is fixed for the life of the group.
 *
 * The creator (whoever switched encryption on) writes it: the participants who may switch
 * encryption off — by default the moderators the creator's screen showed at that moment, or the
 * creator alone when no moderator was present. That one moment trusts the server's word on who is a
 * moderator (there is no group yet to ask); docs/e2ee.md says so. Switching on stays open to everyone.
 */

export interface GroupPolicy {
  /** Participant ids (MLS credentials) allowed to switch encryption off. */
  off: string[];
}

/** Bounds the group id: well within what MLS carries, and what a client parses from a server. */
const MAX_POLICY_IDS = 64;
const MAX_GROUP_ID_BYTES = 4096;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function groupIdFor(policy: GroupPolicy): Uint8Array {
  const nonce = crypto.randomUUID();
  const bytes = encoder.encode(JSON.stringify({ v: 1, nonce, off: policy.off.slice(0, MAX_POLICY_IDS) }));
  if (bytes.length > MAX_GROUP_ID_BYTES) throw new Error('policy too large');
  return bytes;
}

/** Reads the policy from a group id; throws on anything else (a group we must not join). */
export function policyOf(groupId: Uint8Array): GroupPolicy {
  if (groupId.length > MAX_GROUP_ID_BYTES) throw new Error('group id too large');
  const parsed = JSON.parse(decoder.decode(groupId)) as unknown;
  if (typeof parsed !== 'object' || parsed === null) throw new Error('no group policy');
  const { v, off } = parsed as { v?: unknown; off?: unknown };
  if (v !== 1 || !Array.isArray(off) || off.length > MAX_POLICY_IDS) throw new Error('no group policy');
  if (!off.every((id): id is string => typeof id === 'string' && id.length > 0 && id.length <= 64))
    throw new Error('bad group policy');
  return { off };
}

/** Who the creator names: the moderators present, or the creator alone when there are none. */
export function defaultPolicy(creator: string, moderators: readonly string[]): GroupPolicy {
  return { off: moderators.length > 0 ? [...new Set(moderators)] : [creator] };
}
