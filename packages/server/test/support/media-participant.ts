import { MediaBot } from '@parley/media-bot';
import { SignalingClient } from '../signaling/harness.js';

/**
 * A participant as the web app is one: a signaling socket plus publish (audio + video) and subscribe
 * connections of a MediaBot over real DTLS-SRTP, which it connects again (a new bot) when the server
 * says `media-restart`.
 */
export async function mediaParticipant(wsUrl: string, room: string, name: string, cookie?: string) {
  const client = await SignalingClient.connect(wsUrl, cookie ? { cookie } : {});
  const connectMedia = async () => {
    const bot = new MediaBot({
      publish: async (sdp, tracks) => {
        const reply = await client.send({ type: 'publish', sdp, tracks });
        if (!reply.ok) throw new Error(reply.error.message);
        return (reply.result as { sdp: string }).sdp;
      },
      subscribe: async (sdp) => {
        const reply = await client.send({ type: 'subscribe', sdp });
        if (!reply.ok) throw new Error(reply.error.message);
        return (reply.result as { sdp: string }).sdp;
      },
      subscriberAnswer: async (sdp) => {
        const reply = await client.send({ type: 'subscriber-answer', sdp });
        if (!reply.ok) throw new Error(reply.error.message);
      },
    });
    self.bot = bot;
    await bot.startSubscribing();
    await bot.startPublishing({ audio: true, video: true });
  };
  const self = { client, bot: null as MediaBot | null, id: '', restarts: 0 };
  client.onEvent((event) => {
    // A rejected answer (the bot closed meanwhile) is the next offer's business, not this test's.
    if (event.type === 'subscriber-offer')
      self.bot?.handleSubscriberOffer(event.sdp, event.tracks).catch(() => {});
    if (event.type === 'media-restart') {
      self.restarts++;
      const old = self.bot;
      void old?.close().then(connectMedia);
    }
  });
  const joined = await client.join(room, name);
  if (!joined.ok) throw new Error(`${name} could not join ${room}: ${joined.error.message}`);
  self.id = (await client.waitForEvent('joined')).self.id;
  await connectMedia();
  return self;
}

export type MediaParticipant = Awaited<ReturnType<typeof mediaParticipant>>;

/** Video packets `receiver` got from `sender`'s camera on its current bot. */
export const cameraPackets = (receiver: MediaParticipant, sender: MediaParticipant) =>
  receiver.bot?.received().get(`${sender.id}:camera`)?.packets ?? 0;
