/** Up to two letters standing for a display name on a tile without video: "Ada Lovelace" → "AL". */
export function initials(displayName: string): string {
  const words = displayName.trim().split(/\s+/).filter(Boolean);
  const first = words[0];
  if (!first) return '?';
  const last = words.length > 1 ? words[words.length - 1] : undefined;
  const letters = [firstLetter(first), last ? firstLetter(last) : ''];
  return letters.join('').toLocaleUpperCase();
}

/** The first user-perceived character (keeps emoji and accented letters whole). */
function firstLetter(word: string): string {
  return Array.from(word)[0] ?? '';
}

/**
 * A calm background hue for an avatar, stable for the same name so people can recognise each other.
 */
export function avatarHue(displayName: string): number {
  let hash = 0;
  for (const char of displayName) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash % 360;
}
