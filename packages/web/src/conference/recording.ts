import type { EventOf, ParticipantInfo, RecordingInfo, TrackSource } from '@parley/protocol';
import type { MessageKey } from '../i18n';
import type { Params } from '../i18n/translate';
import { Store } from '../state/store';
import { type Composition, type RecordedSource, RecordingComposer } from './recording-composer';
import type { Requester } from './signaling';

/** The recorder waits at most this long for everyone's answer before the first frame is written. */
export const CONSENT_WAIT_MS = 15_000;

export interface RecordingDownload {
  url: string;
  fileName: string;
  durationMs: number;
}

export interface RecordingState {
  /** The recording running in the meeting (the server's word), or null. */
  recording: RecordingInfo | null;
  /** Participants (not moderators) a moderator allowed to record. */
  permitted: readonly string[];
  /** The server asked us and we have not answered: the consent notice is open. */
  consentAsked: boolean;
  /**
   * Only while we record: `waiting` for everyone's answer (nothing written yet), then `recording`.
   * null otherwise.
   */
  recorder: 'waiting' | 'recording' | null;
  /** While we record: the participant ids in the picture and the mix now. */
  composed: readonly string[];
  /** Our finished recording, to save (on this device only). */
  download: RecordingDownload | null;
}

/** What the recording needs from the meeting around it. */
export interface RecordingHost {
  room: string;
  selfId(): string | null;
  self(): ParticipantInfo | null;
  participants(): readonly ParticipantInfo[];
  remoteTrack(participantId: string, source: TrackSource): MediaStreamTrack | null;
  localTrack(source: 'mic' | 'camera' | 'screen'): MediaStreamTrack | null;
  speaker(): string | null;
  nameOf(participantId: string): string | null;
  notify(key: MessageKey, params: Params | undefined, announce: boolean): void;
}

/**
 * Recording with consent (docs/privacy.md, "Recording"): follows the server's `recording-state` and
 * `recording-consent-requested`, answers the consent notice, and — when we record — composes the
 * file in this browser from the participants the server lists as consenting, and no one else.
 */
export class MeetingRecording {
  readonly state = new Store<RecordingState>({
    recording: null,
    permitted: [],
    consentAsked: false,
    recorder: null,
    composed: [],
    download: null,
  });
  private composer: RecordingComposer | null = null;
  private waitTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly request: Requester,
    private readonly host: RecordingHost,
  ) {}

  private get current(): RecordingState {
    return this.state.get();
  }

  private patch(change: Partial<RecordingState>): void {
    this.state.update((state) => ({ ...state, ...change }));
  }

  /** We may start one: a moderator, or allowed by one. */
  get mayStart(): boolean {
    const self = this.host.self();
    if (!self) return false;
    return self.role === 'moderator' || this.current.permitted.includes(self.id);
  }

  /** We may stop the running one: we record it, or we are a moderator. */
  get mayStop(): boolean {
    const self = this.host.self();
    const recording = this.current.recording;
    return !!self && !!recording && (recording.recorderId === self.id || self.role === 'moderator');
  }

  /** Start recording. The composer is made now, inside the click, so its audio may start. */
  async start(): Promise<void> {
    if (this.composer) return;
    const composer = this.makeComposer();
    this.composer = composer;
    try {
      await this.request('recording-start', {});
    } catch (error) {
      if (this.composer === composer && this.current.recorder === null) {
        this.composer = null;
        void composer.finish();
      }
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.request('recording-stop', {});
  }

  /** Answer the consent notice; it closes once the server has the answer. */
  async answer(accept: boolean): Promise<void> {
    await this.request('recording-consent', { accept });
    this.patch({ consentAsked: false });
  }

  async permit(participantId: string, allowed: boolean): Promise<void> {
    await this.request('recording-permit', { participantId, allowed });
  }

  consentRequested(_event: EventOf<'recording-consent-requested'>): void {
    this.patch({ consentAsked: true });
  }

  stateUpdated(event: EventOf<'recording-state'>): void {
    const before = this.current.recording;
    const after = event.recording;
    const selfId = this.host.selfId();
    this.patch({
      recording: after,
      permitted: event.permitted,
      ...(after === null && { consentAsked: false }),
    });
    if (after && !before && after.recorderId !== selfId) {
      this.host.notify('recording.started', { name: this.host.nameOf(after.recorderId) ?? '' }, true);
    }
    if (event.declined !== undefined && event.declined !== selfId) {
      this.host.notify(
        'recording.declinedAnnouncement',
        { name: this.host.nameOf(event.declined) ?? '' },
        true,
      );
    }
    if (event.ended !== undefined && before) {
      const key = event.ended === 'recorder-left' ? 'recording.endedRecorderLeft' : 'recording.ended';
      this.host.notify(key, undefined, true);
    }
    const ours = after !== null && after.recorderId === selfId;
    if (ours) this.recordIfReady();
    else if (this.composer && (before?.recorderId === selfId || after !== null)) void this.finish();
  }

  /** Someone left: when we wait for answers, theirs is no longer awaited. */
  forget(_participantId: string): void {
    if (this.current.recorder === 'waiting') this.recordIfReady();
  }

  /** (Re)admitted: what we knew of recordings belongs to an earlier connection. */
  rejoined(): void {
    if (this.current.recording === null && !this.composer) return;
    this.patch({ recording: null, consentAsked: false });
    if (this.composer) void this.finish();
  }

  /** Leaving the meeting while recording: the file is saved right away. */
  dispose(): void {
    if (this.waitTimer) clearTimeout(this.waitTimer);
    if (this.composer) void this.finish(true);
  }

  dismissDownload(): void {
    const download = this.current.download;
    if (download) URL.revokeObjectURL(download.url);
    this.patch({ download: null });
  }

  /**
   * Ours is running: the first frame is written once everyone present has answered (or after
   * CONSENT_WAIT_MS; who has not answered stays out).
   */
  private recordIfReady(): void {
    if (!this.composer) this.composer = this.makeComposer();
    const composer = this.composer;
    if (composer.recording) return;
    const recording = this.current.recording;
    if (!recording) return;
    const answered = new Set([...recording.consented, ...recording.declined]);
    const waiting = this.host.participants().some((p) => !answered.has(p.id));
    if (!waiting) {
      if (this.waitTimer) clearTimeout(this.waitTimer);
      this.waitTimer = null;
      composer.record();
      this.patch({ recorder: 'recording' });
      return;
    }
    if (this.current.recorder === null) this.patch({ recorder: 'waiting' });
    if (!this.waitTimer) {
      this.waitTimer = setTimeout(() => {
        this.waitTimer = null;
        if (this.composer !== composer || composer.recording || !this.current.recording) return;
        composer.record();
        this.patch({ recorder: 'recording' });
      }, CONSENT_WAIT_MS);
    }
  }

  private makeComposer(): RecordingComposer {
    return new RecordingComposer(
      () => this.composition(),
      (ids) => this.patch({ composed: ids }),
    );
  }

  /** Exactly the participants the server lists as consenting, present now, with their tracks. */
  private composition(): Composition {
    const consented = new Set(this.current.recording?.consented ?? []);
    const sources: RecordedSource[] = [];
    const self = this.host.self();
    if (self && consented.has(self.id)) {
      const mic = this.host.localTrack('mic');
      sources.push({
        id: self.id,
        name: self.displayName,
        camera: this.host.localTrack('camera'),
        screen: this.host.localTrack('screen'),
        audio: mic ? [mic] : [],
      });
    }
    for (const participant of this.host.participants()) {
      if (!consented.has(participant.id)) continue;
      const track = (source: TrackSource) => this.host.remoteTrack(participant.id, source);
      sources.push({
        id: participant.id,
        name: participant.displayName,
        camera: track('camera'),
        screen: track('screen'),
        audio: [track('mic'), track('screen-audio')].filter((t): t is MediaStreamTrack => t !== null),
      });
    }
    return { sources, speaker: this.host.speaker() };
  }

  private async finish(save = false): Promise<void> {
    const composer = this.composer;
    if (!composer) return;
    this.composer = null;
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = null;
    this.patch({ recorder: null, composed: [] });
    const finished = await composer.finish();
    if (!finished) return;
    const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
    const fileName = `parley-${this.host.room}-${stamp}.webm`;
    const url = URL.createObjectURL(finished.blob);
    if (this.current.download) URL.revokeObjectURL(this.current.download.url);
    this.patch({ download: { url, fileName, durationMs: finished.durationMs } });
    this.host.notify('recording.saved', undefined, true);
    if (save) {
      const link = document.createElement('a');
      link.href = url;
      link.download = fileName;
      link.click();
    }
  }
}
