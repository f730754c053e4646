// The forwarding benchmark's naive baseline: a werift SFU that forwards the publisher's track to each
// subscriber with `sender.replaceTrack(track)` (werift does SRTP, RTP parsing and sending in JS).
import { type MediaStreamTrack, RTCPeerConnection, type RTCRtpSender } from 'werift';
import { cpuMicros, serve } from './ipc.js';
import { WERIFT_CONFIG } from './werift-config.js';

let publisherTrack: MediaStreamTrack | null = null;
const connections = new Map<string, RTCPeerConnection>();
const senders: RTCRtpSender[] = [];

async function localSdp(pc: RTCPeerConnection): Promise<string> {
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) =>
      pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') resolve();
      }),
    );
  }
  return pc.localDescription!.sdp;
}

serve(
  {
    publish: async (sdp: string) => {
      const pc = new RTCPeerConnection(WERIFT_CONFIG);
      connections.set('publisher', pc);
      const track = new Promise<MediaStreamTrack>((resolve) => {
        pc.onTrack.subscribe((t) => resolve(t));
      });
      await pc.setRemoteDescription({ type: 'offer', sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      const answer = await localSdp(pc);
      track.then((t) => {
        publisherTrack = t;
      });
      return answer;
    },
    /** An offer with one sendonly video m-line carrying the publisher's track. */
    subscribe: async (subscriberId: string) => {
      while (publisherTrack === null) await new Promise((resolve) => setTimeout(resolve, 20));
      const pc = new RTCPeerConnection(WERIFT_CONFIG);
      connections.set(subscriberId, pc);
      const transceiver = pc.addTransceiver('video', { direction: 'sendonly' });
      await transceiver.sender.replaceTrack(publisherTrack);
      senders.push(transceiver.sender);
      await pc.setLocalDescription(await pc.createOffer());
      return localSdp(pc);
    },
    subscriberAnswer: async (subscriberId: string, sdp: string) => {
      await connections.get(subscriberId)!.setRemoteDescription({ type: 'answer', sdp });
    },
    measure: () => ({
      cpuMicros: cpuMicros(),
      sent: senders.reduce(
        (sum, s) => sum + ((s as unknown as { packetCount?: number }).packetCount ?? 0),
        0,
      ),
      rssBytes: process.memoryUsage().rss,
    }),
  },
  async () => {
    for (const pc of connections.values()) await pc.close();
  },
);
