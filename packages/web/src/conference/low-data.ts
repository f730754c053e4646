import type { VideoReceptionMode } from '@parley/protocol';
import { Store } from '../state/store';

/**
 * Low-data mode: what this device chose to spare its connection. Kept on the device (localStorage,
 * `parley.lowData`, written only once something was changed) and applied in every meeting.
 */
export interface LowDataSettings {
  /** Others' video is received (false: audio only — the server forwards no video to us). */
  receiveVideo: boolean;
  /** Others' cameras at most at their lowest simulcast layer (the server caps it). */
  dataSaver: boolean;
  /** Our camera may be sent (false: it stays off to save data until switched back on). */
  sendVideo: boolean;
}

export const LOW_DATA_KEY = 'parley.lowData';

const DEFAULTS: LowDataSettings = { receiveVideo: true, dataSaver: false, sendVideo: true };

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage disabled by the browser's settings
  }
}

/** The saved settings; anything malformed falls back to the defaults, field by field. */
export function loadLowData(from: Storage | null = storage()): LowDataSettings {
  let saved: unknown = null;
  try {
    saved = JSON.parse(from?.getItem(LOW_DATA_KEY) ?? 'null');
  } catch {
    saved = null;
  }
  const record = typeof saved === 'object' && saved !== null ? (saved as Record<string, unknown>) : {};
  const flag = (key: keyof LowDataSettings) =>
    typeof record[key] === 'boolean' ? (record[key] as boolean) : DEFAULTS[key];
  return { receiveVideo: flag('receiveVideo'), dataSaver: flag('dataSaver'), sendVideo: flag('sendVideo') };
}

/** What the server is asked to forward for these settings (`video-reception`). */
export function receptionMode(settings: LowDataSettings): VideoReceptionMode {
  if (!settings.receiveVideo) return 'off';
  return settings.dataSaver ? 'low' : 'full';
}

/** This device's low-data settings, shared by every meeting of the page. */
export const lowData = new Store<LowDataSettings>(loadLowData());

/** Change some settings and remember them on the device. */
export function setLowData(change: Partial<LowDataSettings>): void {
  const next = { ...lowData.get(), ...change };
  lowData.set(next);
  try {
    storage()?.setItem(LOW_DATA_KEY, JSON.stringify(next));
  } catch {
    // full or disabled: the choice holds for this page only
  }
}
