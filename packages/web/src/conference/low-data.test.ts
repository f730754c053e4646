import { describe, expect, it } from 'vitest';
import { loadListening, playbackVolume } from './listening';
import { LOW_DATA_KEY, loadLowData, lowData, receptionMode, setLowData } from './low-data';
import { VideoReception } from './video-reception';

/** A Storage holding one item. */
function stored(key: string, value: string): Storage {
  return { getItem: (k: string) => (k === key ? value : null) } as Storage;
}

describe('low-data settings', () => {
  it('reads what was saved, field by field, and falls back on anything malformed', () => {
    expect(loadLowData(null)).toEqual({ receiveVideo: true, dataSaver: false, sendVideo: true });
    expect(loadLowData(stored(LOW_DATA_KEY, '{"receiveVideo":false,"dataSaver":"yes"}'))).toEqual({
      receiveVideo: false,
      dataSaver: false,
      sendVideo: true,
    });
    expect(loadLowData(stored(LOW_DATA_KEY, '{not json'))).toEqual(loadLowData(null));
    expect(loadLowData(stored(LOW_DATA_KEY, '[1,2]')).receiveVideo).toBe(true);
  });

  it('maps to the mode the server is asked for: audio only wins over the data saver', () => {
    expect(receptionMode({ receiveVideo: true, dataSaver: false, sendVideo: true })).toBe('full');
    expect(receptionMode({ receiveVideo: true, dataSaver: true, sendVideo: true })).toBe('low');
    expect(receptionMode({ receiveVideo: false, dataSaver: true, sendVideo: false })).toBe('off');
  });

  it('tells the server once per change while in a meeting, and again for each new media session', async () => {
    const sent: string[] = [];
    let active = false;
    const reception = new VideoReception(
      async (type, payload) => {
        sent.push(`${type} ${(payload as unknown as { mode: string }).mode}`);
        return {} as never;
      },
      () => active,
    );
    setLowData({ receiveVideo: false });
    expect(sent).toEqual([]); // not joined yet
    active = true;
    reception.started();
    setLowData({ dataSaver: true }); // still audio only: nothing new for the server
    setLowData({ receiveVideo: true });
    reception.started(); // reconnected: the new session starts at full
    setLowData({ dataSaver: false });
    reception.dispose();
    setLowData({ receiveVideo: false });
    expect(sent).toEqual([
      'video-reception off',
      'video-reception low',
      'video-reception low',
      'video-reception full',
    ]);
    setLowData({ receiveVideo: true, dataSaver: false, sendVideo: true });
    expect(lowData.get().receiveVideo).toBe(true);
  });
});

describe('per-person volume', () => {
  it('keeps sane entries only, clamped to 0–100', () => {
    const saved = JSON.stringify([
      ['p1', { volume: 40, mutedForMe: false }],
      ['p2', { volume: 400, mutedForMe: true }],
      ['p3', { volume: 'loud' }],
      [42, { volume: 10 }],
      'junk',
    ]);
    const map = loadListening(stored('parley.listening', saved));
    expect([...map]).toEqual([
      ['p1', { volume: 40, mutedForMe: false }],
      ['p2', { volume: 100, mutedForMe: true }],
      ['p3', { volume: 100, mutedForMe: false }],
    ]);
    expect(playbackVolume({ volume: 40, mutedForMe: false })).toBeCloseTo(0.4);
    expect(playbackVolume({ volume: 40, mutedForMe: true })).toBe(0);
  });
});
