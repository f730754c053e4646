import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { tile } from './support/meeting.js';
import { byTestId } from './support/person.js';
import { enter, hearsOthers, roomSuite, videoKeepsPlaying } from './support/room-suite.js';

// Firefox as it comes (issue 14): no loopback ICE candidates, mDNS host names. A real deployment
// announces a routable address (PARLEY_PUBLIC_IP); here, the machine's own non-loopback address,
// which both browsers reach without leaving the machine. Runs in the `e2e-firefox` project.

/** The first IPv4 address of an interface other than loopback. */
function routableAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces()))
    for (const address of addresses ?? [])
      if (address.family === 'IPv4' && !address.internal) return address.address;
  return undefined;
}

const address = routableAddress();
if (!address) console.warn('firefox-routable: this machine has no non-loopback IPv4 address; skipped');

const suite = roomSuite({ username: 'routable-host', password: 'routable address' }, 'firefox', {}, () => ({
  PARLEY_PUBLIC_IP: address ?? '',
}));

describe('Firefox with its default ICE settings, against a server on a routable address', () => {
  it.skipIf(!address)(
    'sees and hears a Chromium host both ways, also encrypted',
    {
      timeout: 150_000,
    },
    async () => {
      const room = `routable-${Date.now().toString(36)}`;
      const host = await suite.open('chromium');
      await suite.signIn(host, suite.host.username, suite.host.password);
      await enter(host, room, 'Host Chromia');
      const fiona = await suite.open('firefox', { routable: true });
      await enter(fiona, room, 'Fiona Firefox');

      await videoKeepsPlaying(fiona, tile('Host Chromia'));
      await videoKeepsPlaying(host, tile('Fiona Firefox'));
      await hearsOthers(fiona, 1);
      await hearsOthers(host, 1);
      // Firefox really used its defaults: no loopback candidate of its own, and it reached the SFU at
      // the routable address (with Firefox's loopback prefs off, a server on 127.0.0.1 gets no media).
      const candidates = await fiona.evaluate(async () => {
        const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
        const found: { local: string[]; remote: string[] } = { local: [], remote: [] };
        for (const pc of pcs) {
          const stats = await pc.getStats();
          stats.forEach((report) => {
            if (report.type === 'local-candidate') found.local.push(String(report.address));
            if (report.type === 'remote-candidate') found.remote.push(String(report.address));
          });
        }
        return found;
      });
      expect(candidates.local.length).toBeGreaterThan(0);
      expect(candidates.local.some((candidate) => candidate.startsWith('127.'))).toBe(false);
      expect(new Set(candidates.remote)).toEqual(new Set([address]));

      await fiona.click(byTestId('e2ee-toggle'));
      for (const person of [host, fiona])
        await expect
          .poll(() => person.attribute(byTestId('e2ee-state'), 'data-state'), { timeout: 30_000 })
          .toBe('on');
      await videoKeepsPlaying(fiona, tile('Host Chromia'));
      await videoKeepsPlaying(host, tile('Fiona Firefox'));
    },
  );
});
