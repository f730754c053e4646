import type { ParticipantInfo } from '@parley/protocol';
import type { Meeting } from '../../conference/meeting';
import { t } from '../../i18n';
import { HandIcon } from '../../ui/icons';
import type { Actions } from './use-action';

interface HandQueueProps {
  meeting: Meeting;
  hands: readonly string[];
  self: ParticipantInfo;
  participants: readonly ParticipantInfo[];
  moderator: boolean;
  actions: Actions;
}

/** The raised hands in the order they went up; a moderator can lower each one. */
export function HandQueue({ meeting, hands, self, participants, moderator, actions }: HandQueueProps) {
  if (hands.length === 0) return null;
  const nameOf = (id: string) =>
    id === self.id
      ? t('meeting.you', { name: self.displayName })
      : (participants.find((p) => p.id === id)?.displayName ?? null);
  return (
    <section class="panel__section hands" aria-labelledby="hands-title" data-testid="hand-queue">
      <h3 id="hands-title" class="panel__subtitle">
        {t('participants.hands', { count: hands.length })}
      </h3>
      <ol class="hands__list">
        {hands.map((id, index) => {
          const name = nameOf(id);
          if (name === null) return null;
          const plain = id === self.id ? self.displayName : name;
          return (
            <li key={id} class="hands__entry" data-testid="hand-queue-entry" data-name={plain}>
              <span class="hands__position" aria-hidden="true">
                {index + 1}
              </span>
              <HandIcon />
              <span class="person__name">{name}</span>
              {(moderator || id === self.id) && (
                <button
                  type="button"
                  class="button button--quiet button--small"
                  data-testid="lower-hand"
                  aria-label={t('participants.lowerHandName', { name: plain })}
                  onClick={() =>
                    void actions.run(`lower-hand:${id}`, () =>
                      id === self.id ? meeting.life.setHand(false) : meeting.life.lowerHand(id),
                    )
                  }
                >
                  {t('participants.lowerHand')}
                </button>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
