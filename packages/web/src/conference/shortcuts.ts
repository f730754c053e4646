/**
 * The meeting's keyboard shortcuts. One letter each, as in other conference tools; they never fire
 * while the person types (text fields, selects, editable content) or holds Ctrl, Alt or Meta, so
 * they cannot steal the browser's own shortcuts or a letter meant for the chat.
 */
export type ShortcutAction = 'mic' | 'camera' | 'screen' | 'hand' | 'chat' | 'help';

export const SHORTCUTS: readonly { key: string; action: ShortcutAction }[] = [
  { key: 'M', action: 'mic' },
  { key: 'V', action: 'camera' },
  { key: 'S', action: 'screen' },
  { key: 'H', action: 'hand' },
  { key: 'C', action: 'chat' },
  { key: '?', action: 'help' },
];

/** What a key press is for; `null` for everything that is not a shortcut here. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
  repeat?: boolean;
  target: EventTarget | null;
}

export function shortcutFor(press: KeyPress): ShortcutAction | null {
  if (press.ctrlKey || press.altKey || press.metaKey || press.repeat) return null;
  if (isTyping(press.target)) return null;
  const key = press.key.length === 1 ? press.key.toUpperCase() : press.key;
  return SHORTCUTS.find((shortcut) => shortcut.key === key)?.action ?? null;
}

function isTyping(target: EventTarget | null): boolean {
  const element = target as { tagName?: string; isContentEditable?: boolean; type?: string } | null;
  if (!element || typeof element.tagName !== 'string') return false;
  if (element.isContentEditable) return true;
  const tag = element.tagName.toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  // Checkboxes and buttons take no letters; a letter pressed on them may be a shortcut.
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range'].includes(element.type ?? 'text');
}
