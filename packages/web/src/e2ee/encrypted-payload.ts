import type { EventOf } from '@parley/protocol';
import type { MlsMember } from './mls-member';

/**
 * What travels inside the group's MLS application messages: chat (to everyone, or HPKE-sealed to
 * one member), polls, and the signed switch-off. The server relays these as ciphertext only.
 */
export type ChatPayload =
  | { kind: 'chat'; text: string }
  | { kind: 'private'; to: string; box: { enc: string; ct: string } }
  | { kind: 'e2ee-off'; epoch: number }
  /** A poll message (conference/polls.ts), validated by its receiver. */
  | { kind: 'poll'; message: unknown }
  /** An anonymous poll's vote, HPKE-sealed to the poll's creator. */
  | { kind: 'poll-sealed'; to: string; box: { enc: string; ct: string } };

export function parsePayload(bytes: Uint8Array): ChatPayload | null {
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    if (value.kind === 'chat' && typeof value.text === 'string') return { kind: 'chat', text: value.text };
    const box = value.box as Record<string, unknown> | undefined;
    if (
      value.kind === 'private' &&
      typeof value.to === 'string' &&
      typeof box?.enc === 'string' &&
      typeof box.ct === 'string'
    )
      return { kind: 'private', to: value.to, box: { enc: box.enc, ct: box.ct } };
    if (value.kind === 'e2ee-off' && typeof value.epoch === 'number')
      return { kind: 'e2ee-off', epoch: value.epoch };
    if (value.kind === 'poll' && 'message' in value) return { kind: 'poll', message: value.message };
    if (
      value.kind === 'poll-sealed' &&
      typeof value.to === 'string' &&
      typeof box?.enc === 'string' &&
      typeof box.ct === 'string'
    )
      return { kind: 'poll-sealed', to: value.to, box: { enc: box.enc, ct: box.ct } };
  } catch {
    // not ours
  }
  return null;
}

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** A chat message as ciphertext; a private one is sealed (HPKE) to the recipient's leaf key inside it. */
export async function sealChat(member: MlsMember, text: string, to: string | null): Promise<string> {
  const payload: ChatPayload = to
    ? { kind: 'private', to, box: await member.sealTo(to, new TextEncoder().encode(text)) }
    : { kind: 'chat', text };
  return member.encrypt(encode(payload));
}

/** A poll message as ciphertext; with `to` (an anonymous poll's vote) also sealed to that member. */
export async function sealPoll(member: MlsMember, message: unknown, to?: string): Promise<string> {
  const payload: ChatPayload = to
    ? { kind: 'poll-sealed', to, box: await member.sealTo(to, encode(message)) }
    : { kind: 'poll', message };
  return member.encrypt(encode(payload));
}

/** Our signed switch-off, for the group's current epoch. */
export function sealSwitchOff(member: MlsMember): Promise<string> {
  return member.encrypt(encode({ kind: 'e2ee-off', epoch: member.epoch }));
}

/** Where an opened message goes: the chat log, or the polls. */
export interface OpenedSink {
  chatMessage(message: EventOf<'chat-message'>['message']): void;
  pollMessage?(sender: string, message: unknown): void;
  nameOf(id: string): string;
}

/**
 * An encrypted chat or poll message from the server: opened with the group's keys, its author the
 * member MLS authenticated (not the server's `from`). Ours, garbage and messages sealed to someone
 * else are dropped.
 */
export async function openMessage(
  member: MlsMember,
  selfId: string,
  message: EventOf<'e2ee-chat-message'>['message'],
  sink: OpenedSink,
): Promise<void> {
  let sender: string;
  let text: string;
  let privateTo: string | null = null;
  try {
    const received = await member.decrypt(message.ciphertext);
    sender = received.sender;
    if (sender === selfId) return;
    const payload = parsePayload(received.plaintext);
    if (payload?.kind === 'poll') {
      sink.pollMessage?.(sender, payload.message);
      return;
    }
    if (payload?.kind === 'poll-sealed') {
      // Sealed to the poll's creator: only they can open it.
      if (payload.to !== selfId) return;
      const opened = await member.openFrom(sender, payload.box);
      sink.pollMessage?.(sender, JSON.parse(new TextDecoder().decode(opened)) as unknown);
      return;
    }
    if (payload?.kind === 'chat') text = payload.text;
    else if (payload?.kind === 'private') {
      // Sealed to one member's leaf: only the one it names can open it.
      if (payload.to !== selfId) return;
      text = new TextDecoder().decode(await member.openFrom(sender, payload.box));
      privateTo = selfId;
    } else return;
  } catch {
    return;
  }
  if (!text) return;
  sink.chatMessage({
    id: message.id,
    from: sender,
    fromName: sink.nameOf(sender),
    to: privateTo,
    text,
    sentAt: message.sentAt,
  });
}

/** The member who signed a switch-off (MLS-authenticated), or null when it is not a valid one. */
export async function switchOffSender(member: MlsMember, proof: string): Promise<string | null> {
  try {
    const received = await member.decrypt(proof);
    return parsePayload(received.plaintext)?.kind === 'e2ee-off' ? received.sender : null;
  } catch {
    return null;
  }
}
