import { Icon, Slash } from './icons';

/** A loudspeaker (per-person volume); struck through when that person is silent here. */
export function SpeakerIcon({ off = false }: { off?: boolean }) {
  return (
    <Icon>
      <path d="M4 9.5h3.5L12 5.5v13l-4.5-4H4z" />
      {!off && <path d="M15.5 9a4 4 0 0 1 0 6M18 6.5a7.5 7.5 0 0 1 0 11" />}
      {off && <Slash />}
    </Icon>
  );
}

/** A gauge pointing low (data saver). */
export function GaugeIcon() {
  return (
    <Icon>
      <path d="M4 16a8 8 0 0 1 16 0" />
      <path d="M12 16l-4-4" />
    </Icon>
  );
}

/** A screen with video (receiving others' video); struck through in audio-only. */
export function VideoReceiveIcon({ off = false }: { off?: boolean }) {
  return (
    <Icon>
      <rect x="3" y="5" width="18" height="12" rx="2" />
      <path d="M10 8.5v5l4-2.5z" />
      <path d="M8 21h8" />
      {off && <Slash />}
    </Icon>
  );
}
