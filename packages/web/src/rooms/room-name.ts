import { RoomName } from '@parley/protocol';

/**
 * 32 letters and digits without the look-alikes l, o, 0 and 1, so a name read aloud or copied by
 * hand survives. 32 symbols = 5 bits each; 256 is a multiple of 32, so `byte % 32` stays uniform.
 */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const GROUPS = 4;
const GROUP_LENGTH = 4;

export type RandomBytes = (bytes: Uint8Array) => Uint8Array;

const browserRandom: RandomBytes = (bytes) => crypto.getRandomValues(bytes);

/**
 * A fresh, hard-to-guess room name such as `k7dm-qx2a-pf9w-3hne`: 16 symbols, 80 bits of entropy,
 * which puts guessing a live meeting's name out of reach.
 */
export function proposeRoomName(random: RandomBytes = browserRandom): string {
  const bytes = random(new Uint8Array(GROUPS * GROUP_LENGTH));
  const symbols = Array.from(bytes, (byte) => ALPHABET[byte % ALPHABET.length]);
  const groups: string[] = [];
  for (let i = 0; i < GROUPS; i++)
    groups.push(symbols.slice(i * GROUP_LENGTH, (i + 1) * GROUP_LENGTH).join(''));
  return groups.join('-');
}

export function isValidRoomName(name: string): boolean {
  return RoomName.safeParse(name).success;
}

/**
 * The room a user means by what they typed or pasted: a bare room name, a path `/room/<name>` or a
 * full meeting link. Returns null when nothing valid is found.
 */
export function roomNameFromInput(input: string): string | null {
  const text = input.trim();
  if (text === '') return null;
  const marker = text.indexOf('/room/');
  let candidate = text;
  if (marker >= 0) {
    candidate = text.slice(marker + '/room/'.length).split(/[/?#]/)[0] ?? '';
    try {
      candidate = decodeURIComponent(candidate);
    } catch {
      return null;
    }
  }
  return isValidRoomName(candidate) ? candidate : null;
}
