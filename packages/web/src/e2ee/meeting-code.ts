/**
 * The meeting security code: a hash of the MLS epoch authenticator and the full roster of that
 * epoch (every leaf's participant id, in leaf order, duplicates and all). Every member of the same
 * epoch shows the same code; a server that split the group or slipped in a member (a ghost leaf
 * changes the roster, and the tree hash under the authenticator) cannot make the codes match.
 * The session shows the code of the epoch its senders use, so it changes exactly when the keys in
 * use change. Shown as 8 emoji (48 bits) and, in full, as 30 digits in groups of five.
 */

/** 64 distinct, easy-to-name pictures: 6 bits each. */
const EMOJI = [
  '🐶',
  '🐱',
  '🦁',
  '🐴',
  '🦄',
  '🐷',
  '🐘',
  '🐰',
  '🐼',
  '🐓',
  '🐧',
  '🐢',
  '🐟',
  '🐙',
  '🦋',
  '🌷',
  '🌳',
  '🌵',
  '🍄',
  '🌏',
  '🌙',
  '☁️',
  '🔥',
  '🍌',
  '🍎',
  '🍓',
  '🌽',
  '🍕',
  '🎂',
  '❤️',
  '😀',
  '🤖',
  '🎩',
  '👓',
  '🔧',
  '🎅',
  '👍',
  '☂️',
  '⌛',
  '⏰',
  '🎁',
  '💡',
  '📕',
  '✏️',
  '📎',
  '✂️',
  '🔒',
  '🔑',
  '🔨',
  '☎️',
  '🏁',
  '🚂',
  '🚲',
  '✈️',
  '🚀',
  '🏆',
  '⚽',
  '🎸',
  '🎺',
  '🔔',
  '⚓',
  '🎧',
  '📁',
  '📌',
] as const;

export interface MeetingCode {
  emoji: string[];
  /** Six groups of five digits. */
  digits: string[];
}

const CODE_LABEL = 'Parley meeting code v2';

/** The code of one epoch: its authenticator and its roster, hashed (SHA-256). */
export async function meetingCode(
  authenticator: Uint8Array,
  roster: readonly string[],
): Promise<MeetingCode> {
  const input = new TextEncoder().encode(JSON.stringify([CODE_LABEL, Array.from(authenticator), roster]));
  return codeFromBytes(new Uint8Array(await crypto.subtle.digest('SHA-256', input)));
}

function codeFromBytes(authenticator: Uint8Array): MeetingCode {
  if (authenticator.length < 30) throw new Error('authenticator too short');
  const emoji: string[] = [];
  let bits = 0;
  let value = 0;
  for (let i = 0; i < 6; i++) {
    value = (value << 8) | (authenticator[i] as number);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      emoji.push(EMOJI[(value >> bits) & 0x3f] as string);
    }
  }
  const digits: string[] = [];
  for (let group = 0; group < 6; group++) {
    let n = 0;
    for (let i = 0; i < 5; i++) n = n * 256 + (authenticator[group * 5 + i] as number);
    digits.push(String(n % 100_000).padStart(5, '0'));
  }
  return { emoji, digits };
}
