/**
 * The meeting security code: derived from the MLS epoch authenticator, so every member of the same
 * epoch shows the same code and a server that split the group (or slipped in a member) cannot make
 * the codes match. Shown as 8 emoji (48 bits) and, in full, as 30 digits in groups of five.
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

export function meetingCode(authenticator: Uint8Array): MeetingCode {
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
