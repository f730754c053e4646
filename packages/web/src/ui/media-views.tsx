import { useEffect, useMemo, useRef } from 'preact/hooks';
import { applyAudioOutput, audioOutput } from '../conference/audio-output';
import { DEFAULT_LISTENING, listening, playbackVolume } from '../conference/listening';
import { useStore } from '../state/store';

interface VideoViewProps {
  track: MediaStreamTrack;
  /** Own camera: shown mirrored, like a mirror, and never played out. */
  self?: boolean;
  class?: string;
  /** Screen shares are shown whole; camera video fills its tile. */
  fit?: 'cover' | 'contain';
}

/** A `<video>` playing one track. */
export function VideoView({ track, self = false, class: className, fit = 'cover' }: VideoViewProps) {
  const ref = useRef<HTMLVideoElement>(null);
  const stream = useMemo(() => new MediaStream([track]), [track]);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.muted = true;
    video.srcObject = stream;
    // autoplay covers most cases; play() helps when the element was attached while hidden.
    video.play().catch(() => undefined);
    return () => {
      video.srcObject = null;
    };
  }, [stream]);
  const classes = ['video', `video--${fit}`, self ? 'video--mirrored' : '', className ?? ''].filter(Boolean);
  return <video ref={ref} class={classes.join(' ')} autoplay playsinline muted />;
}

interface AudioViewProps {
  track: MediaStreamTrack;
  /** Whose audio it is: their volume and "mute for me" on this device apply (listening.ts). */
  participantId: string;
  source: 'mic' | 'screen-audio';
}

/** Plays one remote audio track through a hidden `<audio>` element, at its owner's volume here. */
export function AudioView({ track, participantId, source }: AudioViewProps) {
  const ref = useRef<HTMLAudioElement>(null);
  const stream = useMemo(() => new MediaStream([track]), [track]);
  const output = useStore(audioOutput);
  const setting = useStore(listening).get(participantId) ?? DEFAULT_LISTENING;
  useEffect(() => {
    if (ref.current && output !== null) applyAudioOutput(ref.current, output);
  }, [output]);
  useEffect(() => {
    const audio = ref.current;
    if (!audio) return;
    // The element's own volume: decoded (and, with E2EE, decrypted) audio is scaled on playback only.
    audio.volume = playbackVolume(setting);
    audio.muted = setting.mutedForMe;
  }, [setting.volume, setting.mutedForMe, stream]);
  useEffect(() => {
    const audio = ref.current;
    if (!audio) return;
    audio.srcObject = stream;
    audio.play().catch(() => undefined);
    return () => {
      audio.srcObject = null;
    };
  }, [stream]);
  // biome-ignore lint/a11y/useMediaCaption: live call audio has no caption file; live captions would be a separate feature.
  return <audio ref={ref} autoplay hidden data-participant={participantId} data-source={source} />;
}
