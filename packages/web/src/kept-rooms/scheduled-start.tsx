import type { KeptRoomSchedule } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { language, t } from '../i18n';
import { roomSchedule } from './api';
import { formatStart } from './schedule-text';

/** On the pre-join screen: "This meeting starts at …" when the room's owner scheduled one (17.5). */
export function ScheduledStart({ roomName }: { roomName: string }) {
  const [schedule, setSchedule] = useState<KeptRoomSchedule | null>(null);
  useEffect(() => {
    let current = true;
    void roomSchedule(roomName).then((found) => {
      if (current) setSchedule(found);
    });
    return () => {
      current = false;
    };
  }, [roomName]);
  if (!schedule) return null;
  return (
    <p class="notice" data-testid="kept-room-starts-at" data-start={schedule.start}>
      {t('keptRooms.startsAt', { start: formatStart(schedule, language()) })}
    </p>
  );
}
