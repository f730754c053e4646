// Privacy: keeps nothing personal (participant ids and audio levels, no audio content).

/**
 * Levels quieter than this (-dBov) count as silence: background noise, not speech. A packet with a
 * louder claim is a speech claim.
 */
const SPEECH_LEVEL = 60;
/**
 * Louder claims than this (-dBov) are not believed: speech from a microphone with automatic gain
 * sits well below full scale. They count as this level and as implausible.
 */
export const LOUDEST_PLAUSIBLE_LEVEL = 10;
/**
 * Opus payloads smaller than this (bytes, after the RTP header and extensions, without padding) carry
 * silence or comfort noise (DTX), whatever level they claim; with end-to-end encryption's ~25 bytes
 * added, still.
 */
export const MIN_VOICE_PAYLOAD = 32;
/** A mean level is taken over at least this many packets per interval (15 at 20 ms in 300 ms). */
const MIN_PACKETS_PER_INTERVAL = 10;
/** Weight of the newest interval in the smoothed score (the rest is the previous score). */
const SMOOTHING = 0.5;
/** Score above which a participant is listed as speaking. */
const SPEAKING_SCORE = 4;
/**
 * A microphone whose claims were mostly implausible in this many recent intervals (about 1.2 s) is
 * demoted: it ranks after every believable one and is not listed as speaking. Each believable
 * interval takes one off.
 */
const DEMOTE_AT = 4;
const SUSPICION_LIMIT = 10;

/**
 * Audio activity of one participant's microphone, fed by its Publication on every packet (a few number
 * operations: nothing allocated on the forwarding path) and read by the SpeakerDetector each interval.
 */
export class SpeakerActivity {
  /** Sum of (127 - level) over the believable speech of the current interval. */
  loudness = 0;
  packets = 0;
  /** Packets of this interval with an implausible claim (too loud, or loud on a silence-sized packet). */
  implausible = 0;
  /** Recent intervals of mostly implausible claims (0…SUSPICION_LIMIT). */
  suspicion = 0;
  /** Smoothed activity, 0 (silent) upwards; compared between participants. */
  score = 0;
  /** A moderator holds this microphone, or its owner muted it: it never ranks (set by the room). */
  held = false;
  muted = false;
  /** Its participant moderates the meeting: one slot is kept for a speaking moderator. */
  moderator = false;
  /** Interval count when its current run of speaking began; -1 while not speaking. */
  speakingSince = -1;

  constructor(readonly participantId: string) {}

  /** One packet's RFC 6464 level (0 loudest … 127 silence) and its payload size in bytes. */
  add(level: number, payloadBytes: number): void {
    this.packets++;
    if (level >= SPEECH_LEVEL) return;
    if (payloadBytes < MIN_VOICE_PAYLOAD) {
      this.implausible++;
      return;
    }
    if (level < LOUDEST_PLAUSIBLE_LEVEL) {
      this.implausible++;
      this.loudness += 127 - LOUDEST_PLAUSIBLE_LEVEL;
      return;
    }
    this.loudness += 127 - level;
  }

  /** May rank at all: neither held nor muted. */
  get eligible(): boolean {
    return !this.held && !this.muted;
  }

  get demoted(): boolean {
    return this.suspicion >= DEMOTE_AT;
  }
}

export interface SpeakerRanking {
  /** Participants speaking now, loudest first. */
  speaking: string[];
  /** Every participant with a microphone, most recent speaker first (never-speakers in arrival order). */
  recent: string[];
  /** Whose microphone is forwarded: the `audible` loudest, or everyone when there are no more than that. */
  audible: Set<string>;
}

/**
 * Active speaker detection for one room from the audio levels browsers put in every Opus packet. Once
 * per interval it smooths each microphone's mean level into a score, ranks the participants, and keeps
 * the order of most recent speakers that last-N video forwarding follows.
 *
 * The levels are claims a client makes (with end-to-end encryption the SFU cannot check the audio), so
 * the ranking limits what a false claim gains (issue 13): held and muted microphones never rank;
 * claims louder than plausible count as plausible, and when sustained demote the microphone; loud
 * claims on silence-sized packets count as silence; a missing packet counts as silence, not as
 * nothing; and one of the audible slots is kept for a speaking moderator, or else for the most recent
 * believable speaker not among the loudest.
 */
export class SpeakerDetector {
  private readonly activities = new Map<string, SpeakerActivity>();
  private recent: string[] = [];
  private speaking: string[] = [];
  private intervals = 0;

  constructor(private readonly audibleCount: number) {}

  /** The activity a participant's microphone publication feeds (one per participant). */
  activity(participantId: string): SpeakerActivity {
    let activity = this.activities.get(participantId);
    if (!activity) {
      activity = new SpeakerActivity(participantId);
      this.activities.set(participantId, activity);
      this.recent.push(participantId);
    }
    return activity;
  }

  remove(participantId: string): void {
    this.activities.delete(participantId);
    this.recent = this.recent.filter((id) => id !== participantId);
    this.speaking = this.speaking.filter((id) => id !== participantId);
  }

  /** Close the interval: update scores and the ranking. Returns true when the speaking list changed. */
  update(): boolean {
    this.intervals++;
    for (const activity of this.activities.values()) {
      const mean = activity.loudness / Math.max(activity.packets, MIN_PACKETS_PER_INTERVAL);
      const voice = Math.max(0, mean - (127 - SPEECH_LEVEL));
      activity.score = activity.score * (1 - SMOOTHING) + voice * SMOOTHING;
      if (activity.packets >= MIN_PACKETS_PER_INTERVAL / 2 && activity.implausible * 2 > activity.packets) {
        activity.suspicion = Math.min(SUSPICION_LIMIT, activity.suspicion + 1);
      } else if (activity.suspicion > 0) activity.suspicion--;
      activity.loudness = 0;
      activity.packets = 0;
      activity.implausible = 0;
      const speaking = activity.eligible && !activity.demoted && activity.score >= SPEAKING_SCORE;
      if (!speaking) activity.speakingSince = -1;
      else if (activity.speakingSince < 0) activity.speakingSince = this.intervals;
    }
    const speaking = [...this.activities.values()]
      .filter((activity) => activity.speakingSince >= 0)
      .sort((a, b) => b.score - a.score)
      .map((activity) => activity.participantId);
    // Speakers move to the front of the recency order, loudest first.
    this.recent = [...speaking, ...this.recent.filter((id) => !speaking.includes(id))];
    const changed =
      speaking.length !== this.speaking.length || speaking.some((id, i) => id !== this.speaking[i]);
    this.speaking = speaking;
    return changed;
  }

  ranking(): SpeakerRanking {
    const speaking = [...this.speaking];
    const recent = [...this.recent];
    const all = [...this.activities.values()];
    if (all.length <= this.audibleCount) {
      return { speaking, recent, audible: new Set(all.map((a) => a.participantId)) };
    }
    // Believable microphones first, loudest first; held and muted ones not at all.
    const ranked = all
      .filter((a) => a.eligible)
      .sort((a, b) => Number(a.demoted) - Number(b.demoted) || b.score - a.score);
    const audible = new Set<string>();
    const reserved = this.audibleCount > 1 ? 1 : 0;
    for (const activity of ranked.slice(0, this.audibleCount - reserved)) audible.add(activity.participantId);
    if (reserved > 0) {
      const candidate = this.reservedSlot(audible);
      if (candidate !== undefined) audible.add(candidate);
      else {
        const next = ranked.find((a) => !audible.has(a.participantId));
        if (next) audible.add(next.participantId);
      }
    }
    return { speaking, recent, audible };
  }

  /**
   * Who gets the kept slot, if not among the loudest already: the speaking moderator who began last;
   * else the speaker (believable, by construction of the speaking list) who began last; else the most
   * recent speaker, who keeps the slot through a pause.
   */
  private reservedSlot(audible: Set<string>): string | undefined {
    const outside = (a: SpeakerActivity | undefined): a is SpeakerActivity =>
      a !== undefined && !audible.has(a.participantId);
    const speakers = this.speaking.map((id) => this.activities.get(id)).filter(outside);
    const latest = (candidates: SpeakerActivity[]) =>
      candidates.reduce<SpeakerActivity | undefined>(
        (best, a) => (best === undefined || a.speakingSince > best.speakingSince ? a : best),
        undefined,
      );
    const moderator = latest(speakers.filter((a) => a.moderator));
    if (moderator) return moderator.participantId;
    const speaker = latest(speakers);
    if (speaker) return speaker.participantId;
    return this.recent
      .map((id) => this.activities.get(id))
      .filter(outside)
      .find((a) => a.eligible && !a.demoted)?.participantId;
  }
}
