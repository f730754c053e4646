// The SFU without the rest of Parley: one room, two participants. Your signaling carries the SDP
// between browsers and these calls (see README.md). Type-checked by `npm run typecheck`.
import { createJsonLogger, Sfu } from '@parley/sfu';

export async function minimal(offerOfAlice: string, subscribeOfferOfBob: string): Promise<void> {
  const logger = createJsonLogger('info', (line) => process.stdout.write(line));
  const sfu = new Sfu({ publicIp: '192.0.2.10', bindAddress: '0.0.0.0', rtcPort: 40000 }, logger);
  sfu.on('subscriber-offer', ({ participantId, sdp }) => console.log(`offer to ${participantId}`, sdp));
  sfu.openRoom('room-1');
  sfu.addParticipant('room-1', 'alice');
  sfu.addParticipant('room-1', 'bob');
  const answerToAlice = await sfu.publish('room-1', 'alice', offerOfAlice, [{ mid: '0', source: 'mic' }]);
  const answerToBob = await sfu.subscribe('room-1', 'bob', subscribeOfferOfBob);
  console.log(answerToAlice, answerToBob); // bob's answer to each subscriber-offer: sfu.subscriberAnswer()
  await sfu.close();
}
