import { Store } from '../state/store';

/**
 * The loudspeaker chosen on the pre-join screen (an `audiooutput` device id), or null for the
 * system's default. Remote audio elements follow it through `setSinkId` where the browser has it.
 */
export const audioOutput = new Store<string | null>(null);

/** Whether this browser can send audio to a chosen device. */
export function canChooseAudioOutput(): boolean {
  return typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
}

/** Points an audio element at the chosen loudspeaker. */
export function applyAudioOutput(element: HTMLMediaElement, deviceId: string | null): void {
  const sink = element as HTMLMediaElement & { setSinkId?: (id: string) => Promise<void> };
  sink.setSinkId?.(deviceId ?? '').catch(() => undefined);
}
