/** The libdatachannel connection settings and helpers both of a bot's connections share. */
import type { PeerConnection, RtcConfig } from 'node-datachannel';

/**
 * Loopback only, no STUN/TURN; negotiation driven by the bot (it decides when to offer, as the web
 * app does). `forceMediaTransport` lets the subscribe connection offer a data channel only and still
 * accept the SFU's media m-lines later.
 */
export function rtcConfig(bindAddress: string, forceMediaTransport: boolean): RtcConfig {
  return {
    iceServers: [],
    disableAutoNegotiation: true,
    forceMediaTransport,
    bindAddress,
  };
}

/** The bot sends complete descriptions (no trickle ICE): wait until every candidate is in. */
export function gatheringComplete(pc: PeerConnection): Promise<void> {
  return new Promise((resolve) => {
    if (pc.gatheringState() === 'complete') {
      resolve();
      return;
    }
    pc.onGatheringStateChange((state) => {
      if (state === 'complete') resolve();
    });
  });
}

export function localSdp(pc: PeerConnection): string {
  return pc.localDescription()!.sdp;
}

export function randomSsrc(): number {
  return 1 + Math.floor(Math.random() * 0xfffffffe);
}
