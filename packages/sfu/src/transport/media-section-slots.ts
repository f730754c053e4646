// Privacy: keeps nothing personal (RTP state, SDP text, timers and ports only).
import { MediaError } from '../api/media-error.js';
import { parseSdp, type SdpDocument, writeSdp } from './sdp.js';

/**
 * The m-line layout the browser sees on a subscribe connection, with removed m-lines recycled.
 *
 * SDP never deletes an m-line: a removed one stays as a port-0 placeholder in every later offer
 * (RFC 3264 §8.2), until the offerer recycles its position for a new m-line with a new mid
 * (RFC 8829 §5.2.2). libdatachannel cannot recycle, so in a long meeting with people coming and going
 * the subscribe connection's SDP would grow without bound. Instead:
 * - towards the browser, each position is a slot: a live m-line, or a dead one (port 0) whose position
 *   a later m-line of the same kind takes over once the browser has answered its removal;
 * - towards libdatachannel, dead m-lines disappear: the browser's answer is passed on without them and
 *   in libdatachannel's own order, so libdatachannel's next offer no longer mentions them.
 */
interface Slot {
  mid: string;
  kind: string;
  /** live: carries an m-line; dying: removed in the offer in flight; dead: removal answered, recyclable. */
  state: 'live' | 'dying' | 'dead';
}

export class MediaSectionSlots {
  private readonly slots: Slot[] = [];
  /** Mids of libdatachannel's last offer (live m-lines), in its order. */
  private offeredOrder: string[] = [];

  /** Rewrite libdatachannel's offer into the browser's layout (dead m-lines compact, positions reused). */
  toBrowser(libdatachannelOffer: string): string {
    const doc = parseSdp(libdatachannelOffer);
    const live = new Map<string, string[]>();
    this.offeredOrder = [];
    for (const section of doc.media) {
      const mid = midOf(section);
      if (isRemoved(section)) continue;
      live.set(mid, section);
      this.offeredOrder.push(mid);
    }

    const placed = new Set<string>();
    const media: string[][] = this.slots.map((slot) => {
      const section = live.get(slot.mid);
      if (slot.state === 'live' && section) {
        placed.add(slot.mid);
        return section;
      }
      if (slot.state === 'live') slot.state = 'dying';
      return deadSection(slot);
    });
    const newcomers = [...live.entries()].filter(([mid]) => !placed.has(mid));
    for (const [mid, section] of newcomers) {
      const kind = kindOf(section);
      const index = this.slots.findIndex((slot) => slot.state === 'dead' && slot.kind === kind);
      if (index >= 0) {
        this.slots[index] = { mid, kind, state: 'live' };
        media[index] = section;
      } else {
        this.slots.push({ mid, kind, state: 'live' });
        media.push(section);
      }
    }

    const liveMids = this.slots.filter((slot) => slot.state === 'live').map((slot) => slot.mid);
    doc.session = doc.session
      .filter((line) => !line.startsWith('a=group:LS'))
      .map((line) => (line.startsWith('a=group:BUNDLE') ? `a=group:BUNDLE ${liveMids.join(' ')}` : line));
    doc.media = media;
    return writeSdp(doc);
  }

  /** Turn the browser's answer back into what libdatachannel offered: the live m-lines only, in its order. */
  toLibdatachannel(browserAnswer: string): string {
    const doc = parseSdp(browserAnswer);
    const byMid = new Map<string, string[]>();
    for (const section of doc.media) byMid.set(midOf(section), section);
    const media: string[][] = [];
    for (const mid of this.offeredOrder) {
      const section = byMid.get(mid);
      if (!section) throw new MediaError('bad-sdp', `The answer has no m-line with mid "${mid}".`);
      media.push(section);
    }
    const answered: SdpDocument = {
      session: doc.session.map((line) =>
        line.startsWith('a=group:BUNDLE') ? `a=group:BUNDLE ${this.offeredOrder.join(' ')}` : line,
      ),
      media,
    };
    return writeSdp(answered);
  }

  /** The browser applied the answer: the m-lines it removed may now be recycled. */
  answered(): void {
    for (const slot of this.slots) if (slot.state === 'dying') slot.state = 'dead';
  }

  /** Number of m-lines the browser sees (live, dying and dead). */
  get size(): number {
    return this.slots.length;
  }
}

function midOf(section: readonly string[]): string {
  const line = section.find((l) => l.startsWith('a=mid:'));
  if (!line) throw new MediaError('bad-sdp', 'An m-line has no a=mid.');
  return line.slice('a=mid:'.length);
}

function kindOf(section: readonly string[]): string {
  return section[0]!.slice(2).split(' ')[0]!;
}

function isRemoved(section: readonly string[]): boolean {
  return section[0]!.slice(2).split(' ')[1] === '0';
}

/** A removed m-line in its shortest valid form: kind, port 0, one format, its mid, inactive. */
function deadSection(slot: Slot): string[] {
  const format = slot.kind === 'audio' ? '111' : slot.kind === 'video' ? '96' : '0';
  const proto =
    slot.kind === 'application' ? 'UDP/DTLS/SCTP webrtc-datachannel' : `UDP/TLS/RTP/SAVPF ${format}`;
  const lines = [`m=${slot.kind} 0 ${proto}`, 'c=IN IP4 0.0.0.0', `a=mid:${slot.mid}`];
  if (slot.kind === 'audio') lines.push('a=inactive', 'a=rtpmap:111 opus/48000/2');
  if (slot.kind === 'video') lines.push('a=inactive', 'a=rtpmap:96 VP8/90000');
  return lines;
}
