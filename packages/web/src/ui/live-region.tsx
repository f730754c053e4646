import type { Announcement } from '../conference/meeting';

/** Tells screen-reader users who joined or left; invisible on screen. */
export function LiveRegion({ announcement }: { announcement: Announcement | null }) {
  return (
    <div class="visually-hidden" aria-live="polite" aria-atomic="true">
      {announcement && <span key={announcement.id}>{announcement.text}</span>}
    </div>
  );
}
