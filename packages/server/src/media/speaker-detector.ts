// Privacy: keeps nothing personal (participant ids and audio levels, no audio content).

/**
 * Audio activity of one participant's microphone, fed by its Publication on every packet (two number
 * additions: nothing allocated on the forwarding path) and read by the SpeakerDetector each interval.
 */
export class SpeakerActivity {
  /** Sum of (127 - level) over the packets of the current interval. */
  loudness = 0;
  packets = 0;
  /** Smoothed activity, 0 (silent) upwards; compared between participants. */
  score = 0;

  constructor(readonly participantId: string) {}

  /** One packet's RFC 6464 level (0 loudest … 127 silence). */
  add(level: number): void {
    this.loudness += 127 - level;
    this.packets++;
  }
}

/** Levels quieter than this (-dBov) count as silence: background noise, not speech. */
const SPEECH_LEVEL = 60;
/** Weight of the newest interval in the smoothed score (the rest is the previous score). */
const SMOOTHING = 0.5;
/** Score above which a participant is listed as speaking. */
const SPEAKING_SCORE = 4;

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
 */
export class SpeakerDetector {
  private readonly activities = new Map<string, SpeakerActivity>();
  private recent: string[] = [];
  private speaking: string[] = [];

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
    for (const activity of this.activities.values()) {
      const mean = activity.packets > 0 ? activity.loudness / activity.packets : 0;
      const voice = Math.max(0, mean - (127 - SPEECH_LEVEL));
      activity.score = activity.score * (1 - SMOOTHING) + voice * SMOOTHING;
      activity.loudness = 0;
      activity.packets = 0;
    }
    const speaking = [...this.activities.values()]
      .filter((activity) => activity.score >= SPEAKING_SCORE)
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
    const byScore = [...this.activities.values()].sort((a, b) => b.score - a.score);
    const audible = new Set(
      byScore.length <= this.audibleCount
        ? byScore.map((a) => a.participantId)
        : byScore.slice(0, this.audibleCount).map((a) => a.participantId),
    );
    return { speaking: [...this.speaking], recent: [...this.recent], audible };
  }
}
