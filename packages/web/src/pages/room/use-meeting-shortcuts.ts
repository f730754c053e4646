import { useLayoutEffect } from 'preact/hooks';
import type { Meeting } from '../../conference/meeting';
import { shortcutFor } from '../../conference/shortcuts';

/** The view's part of the shortcuts: what it shows (chat panel, help); the meeting does the rest. */
interface ViewShortcuts {
  chat: () => void;
  help: () => void;
}

/** Listens for the meeting's keyboard shortcuts (M, V, S, H, C, ?) while the meeting is shown. */
export function useMeetingShortcuts(meeting: Meeting, view: ViewShortcuts): void {
  // A layout effect: listening from the moment the toolbar is on screen. A plain effect runs after
  // the next frame, and a key pressed in between (a busy machine, a fast typist) was lost.
  useLayoutEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      // An open modal dialog (the help) keeps its keys to itself.
      if (document.querySelector('dialog[open]')) return;
      const action = shortcutFor(event);
      if (action === null) return;
      event.preventDefault();
      switch (action) {
        case 'mic':
          meeting.toggleMic();
          break;
        case 'camera':
          meeting.toggleCamera();
          break;
        case 'screen':
          meeting.toggleScreen();
          break;
        case 'hand':
          meeting.life.toggleHand().catch(() => undefined);
          break;
        case 'chat':
          view.chat();
          break;
        case 'help':
          view.help();
          break;
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [meeting]);
}
