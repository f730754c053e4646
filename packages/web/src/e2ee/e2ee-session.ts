import type { E2eeRoomState, EventOf, ParticipantInfo } from '@parley/protocol';
import type { Requester, SignalingClient } from '../conference/signaling';
import { Store } from '../state/store';
import { type MeetingCode, meetingCode } from './meeting-code';
import type { MlsMember } from './mls-member';
import type { FrameSource } from './sframe';
import type { FromWorker, ReceiveMode, SendMode, ToWorker } from './worker-messages';

/** A join or leave normally reaches the MLS group within this time; only then is a difference an alarm. */
const ROSTER_SETTLE_MS = 6000;

/** What this screen shows: `pending` until we encrypt with the group's keys, `on` from then on. */
export type E2eeUiState = 'off' | 'pending' | 'on';

/** Why the meeting code changed last. */
export type CodeReason =
  | { kind: 'started' }
  | { kind: 'joined'; names: string[] }
  | { kind: 'left'; names: string[] }
  | { kind: 'changed' };

export interface E2eeState {
  state: E2eeUiState;
  /** The browser cannot encrypt frames (no RTCRtpScriptTransform). */
  supported: boolean;
  code: MeetingCode | null;
  codeReason: CodeReason | null;
  /** Participant ids in the MLS group (the roster the keys are really shared with). */
  members: readonly string[];
  /** The MLS group and the server's presence list disagree (outside of a change in progress). */
  rosterMismatch: boolean;
  /** Someone switched encryption off after it had been on: shown as a banner until dismissed. */
  switchedOffBy: string | null;
  /** Ids of remote tracks whose frames we cannot decrypt yet ("waiting for keys"). */
  waitingTracks: ReadonlySet<string>;
}

export interface E2eeHost {
  request: Requester;
  self(): ParticipantInfo | null;
  participants(): readonly ParticipantInfo[];
  /** A decrypted chat message for the chat log. */
  chatMessage(message: EventOf<'chat-message'>['message']): void;
  /** The meeting became encrypted and this browser cannot encrypt: stop all media at once. */
  refuse(): void;
}

interface ScriptTransformConstructor {
  new (worker: Worker, options?: unknown): unknown;
}

function scriptTransform(): ScriptTransformConstructor | null {
  const candidate = (globalThis as { RTCRtpScriptTransform?: ScriptTransformConstructor })
    .RTCRtpScriptTransform;
  return typeof candidate === 'function' ? candidate : null;
}

/**
 * A frame-transform worker started ahead of joining (on the pre-join screen). Every sender and
 * receiver passes its frames through the worker from the start, so a worker still loading when the
 * first frames arrive would delay the first picture.
 */
let warmWorker: Worker | null = null;

function startWorker(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'parley-e2ee' });
}

/** Starts the worker now so that joining does not wait for it (no-op where E2EE is unsupported). */
export function prewarmE2eeWorker(): void {
  if (!warmWorker && scriptTransform() !== null) warmWorker = startWorker();
}

function takeWorker(): Worker {
  const worker = warmWorker ?? startWorker();
  warmWorker = null;
  return worker;
}

/**
 * End-to-end encryption on this page (docs/e2ee.md). Attaches a transform to every sender and
 * receiver when it is created (frames pass through until there are keys), runs this client's side
 * of the MLS group with the server as delivery service, hands each epoch's keys to the transform
 * worker and switches senders when the server says every member is ready. Encrypted chat and the
 * meeting code come from the same group.
 */
export class E2eeSession {
  readonly state = new Store<E2eeState>({
    state: 'off',
    supported: scriptTransform() !== null,
    code: null,
    codeReason: null,
    members: [],
    rosterMismatch: false,
    switchedOffBy: null,
    waitingTracks: new Set(),
  });
  private worker: Worker | null = null;
  private member: MlsMember | null = null;
  private roomState: E2eeRoomState = 'off';
  /** The epoch our senders seal with; null until the first execute. */
  private sendEpoch: number | null = null;
  /** MLS work runs one step at a time: ts-mls states are replaced, never shared. */
  private queue: Promise<void> = Promise.resolve();
  private readonly receiverTracks = new Map<string, string>();
  /** Each receiver's transform id, and whom its frames must come from as last told to the worker. */
  private readonly receiverIds = new WeakMap<RTCRtpReceiver, string>();
  private readonly receiverOwners = new Map<string, string>();
  private nextTransformId = 0;
  private closed = false;
  private rosterTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly host: E2eeHost) {
    if (this.state.get().supported) {
      this.worker = takeWorker();
      this.worker.addEventListener('message', (event: MessageEvent<FromWorker>) =>
        this.fromWorker(event.data),
      );
      // The browser tests' frame tap: only in the test build (`--mode e2e-test`); production drops it.
      if (import.meta.env.MODE === 'e2e-test')
        void import('./test-tap').then((tap) => tap.exposeTestTap(this, (message) => this.post(message)));
    }
  }

  /** Attach the (pass-through) frame transform to a new sender; call right after creating it. */
  attachSender(sender: RTCRtpSender, kind: 'audio' | 'video', source: FrameSource): void {
    const Transform = scriptTransform();
    if (!Transform || !this.worker) return;
    (sender as { transform?: unknown }).transform = new Transform(this.worker, {
      direction: 'send',
      kind,
      source,
      id: `s${this.nextTransformId++}`,
    });
  }

  /** Attach the frame transform to a new receiver; call as soon as it exists. */
  attachReceiver(receiver: RTCRtpReceiver): void {
    const Transform = scriptTransform();
    if (!Transform || !this.worker || (receiver as { transform?: unknown }).transform) return;
    const id = `r${this.nextTransformId++}`;
    this.receiverTracks.set(id, receiver.track.id);
    this.receiverIds.set(receiver, id);
    (receiver as { transform?: unknown }).transform = new Transform(this.worker, {
      direction: 'receive',
      kind: receiver.track.kind,
      id,
    });
  }

  /**
   * Whose frames a receiver carries now (the subscribe offer's m-line list), or null for nobody. The
   * worker drops frames whose key id is not that participant's leaf or that were sealed for another source.
   */
  receiverRouted(
    receiver: RTCRtpReceiver,
    owner: { participantId: string; source: FrameSource } | null,
  ): void {
    const id = this.receiverIds.get(receiver);
    if (!id) return;
    const key = owner ? `${owner.participantId}/${owner.source}` : '';
    if ((this.receiverOwners.get(id) ?? '') === key) return;
    this.receiverOwners.set(id, key);
    this.post(owner ? { type: 'bind', id, ...owner } : { type: 'unbind', id });
  }

  listen(signaling: SignalingClient): void {
    signaling.on('e2ee-state', (event) => this.roomStateChanged(event.state, event.by));
    signaling.on('e2ee-commit-request', (event) => this.enqueue(() => this.commitRequested(event)));
    signaling.on('e2ee-commit', (event) =>
      this.enqueue(() => this.commitReceived(event.epoch, event.commit)),
    );
    signaling.on('e2ee-welcome', (event) => this.enqueue(() => this.welcomed(event.welcome)));
    signaling.on('e2ee-execute', (event) => this.enqueue(async () => this.execute(event.epoch)));
    signaling.on('e2ee-chat-message', (event) => this.enqueue(() => this.chatReceived(event.message)));
    signaling.on('participant-joined', () => this.presenceChanged());
    signaling.on('participant-left', () => this.presenceChanged());
  }

  /** Switch encryption on for everyone. */
  async enable(): Promise<void> {
    if (!this.state.get().supported) throw new Error('unsupported');
    await this.host.request('e2ee-enable', {});
  }

  /** Switch encryption off for everyone (an explicit act; every screen shows who did it). */
  async disable(): Promise<void> {
    await this.host.request('e2ee-disable', {});
  }

  dismissSwitchedOff(): void {
    this.patch({ switchedOffBy: null });
  }

  /** Whether chat must go through `sendChat` (encrypted) rather than in the clear. */
  get chatEncrypted(): boolean {
    return this.roomState !== 'off';
  }

  /** Sends a chat message as an MLS application message; the server relays ciphertext only. */
  sendChat(text: string, to: string | null): Promise<{ messageId: string }> {
    return this.serialized(async () => {
      const member = this.member;
      if (!member?.inGroup) throw new Error('not yet in the encrypted group');
      const ciphertext = await member.encrypt(new TextEncoder().encode(JSON.stringify({ text })));
      return this.host.request('e2ee-chat-send', to ? { ciphertext, to } : { ciphertext });
    });
  }

  /** The roster may have changed: check it against the MLS group once the resulting commit had time to land. */
  presenceChanged(): void {
    if (this.rosterTimer) clearTimeout(this.rosterTimer);
    this.rosterTimer = setTimeout(() => this.checkRoster(), ROSTER_SETTLE_MS);
  }

  /**
   * Our connection dropped and we come back as a new participant (docs/e2ee.md, _Reconnecting_): the
   * old MLS membership and its keys are gone — the others remove it with their next commit. In an
   * encrypted meeting our frames are held from now on (never sent in the clear where the screen said
   * encrypted) until the `e2ee-state` that follows the new `joined` lets us in again as a newcomer,
   * or says the meeting is no longer encrypted (shown as switched off).
   */
  rejoin(): void {
    this.member?.leaveGroup();
    this.member = null;
    // A key package being made right now belongs to our old participant id: forget it too.
    this.enqueue(async () => {
      this.member = null;
    });
    this.sendEpoch = null;
    this.post({ type: 'reset' });
    this.applyModes();
    this.patch({
      members: [],
      code: null,
      codeReason: null,
      rosterMismatch: false,
      waitingTracks: new Set(),
    });
    this.updateUiState();
  }

  close(): void {
    this.closed = true;
    if (this.rosterTimer) clearTimeout(this.rosterTimer);
    this.worker?.terminate();
    this.worker = null;
  }

  /** Asks the worker for its frame counters (tests and the bench). */
  frameStats(): Promise<unknown> {
    const worker = this.worker;
    if (!worker) return Promise.resolve(null);
    return new Promise((resolve) => {
      const listener = (event: MessageEvent<FromWorker>) => {
        if (event.data.type !== 'stats') return;
        worker.removeEventListener('message', listener);
        resolve({ ...event.data.stats, tap: event.data.tap });
      };
      worker.addEventListener('message', listener);
      this.post({ type: 'stats' });
    });
  }

  private patch(change: Partial<E2eeState>): void {
    this.state.update((state) => ({ ...state, ...change }));
  }

  private post(message: ToWorker): void {
    this.worker?.postMessage(message);
  }

  private enqueue(step: () => Promise<void>): void {
    void this.serialized(step).catch(() => undefined);
  }

  private serialized<T>(step: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => (this.closed ? Promise.reject(new Error('closed')) : step()));
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private roomStateChanged(state: E2eeRoomState, by: string | null): void {
    const before = this.roomState;
    this.roomState = state;
    if (state === 'off') {
      this.member?.leaveGroup();
      this.member = null;
      // A key package made while this arrived belongs to the old group: forget it too.
      this.enqueue(async () => {
        if (this.roomState === 'off') this.member = null;
      });
      this.sendEpoch = null;
      this.post({ type: 'reset' });
      // TODO(e2ee-group): send this only after an MLS-verified switch-off the user accepted; until
      // then a bare server message still lets plaintext flow again (issue 12, attack 3).
      this.post({ type: 'off-confirmed' });
      this.patch({
        state: 'off',
        code: null,
        codeReason: null,
        members: [],
        rosterMismatch: false,
        waitingTracks: new Set(),
        ...(before !== 'off' && { switchedOffBy: by ?? '' }),
      });
      return;
    }
    this.patch({ switchedOffBy: null });
    this.applyModes();
    this.updateUiState();
    if (!this.state.get().supported) {
      this.host.refuse();
      return;
    }
    if (!this.member) this.enqueue(() => this.sendKeyPackage());
  }

  /** What the worker does with frames, from the room's state and whether we have switched yet. */
  private applyModes(): void {
    let send: SendMode = 'clear';
    let receive: ReceiveMode = 'clear';
    if (this.roomState === 'pending') {
      send = this.sendEpoch === null ? 'clear' : 'encrypt';
      receive = 'mixed';
    } else if (this.roomState === 'on') {
      // Never plaintext into an encrypted meeting: hold our frames until we have the keys.
      send = this.sendEpoch === null ? 'hold' : 'encrypt';
      receive = 'strict';
    }
    this.post({ type: 'mode', send, receive });
  }

  private updateUiState(): void {
    const state: E2eeUiState =
      this.roomState === 'off' ? 'off' : this.sendEpoch !== null && this.member?.inGroup ? 'on' : 'pending';
    if (this.state.get().state !== state) this.patch({ state });
  }

  private async sendKeyPackage(): Promise<void> {
    const self = this.host.self();
    if (!self || this.member || this.roomState === 'off') return;
    // ts-mls loads only when a meeting is encrypted, not with every page.
    const { MlsMember } = await import('./mls-member');
    if (this.member || (this.roomState as E2eeRoomState) === 'off') return;
    const member = new MlsMember(self.id);
    const keyPackage = await member.createKeyPackage();
    this.member = member;
    await this.host.request('e2ee-key-package', { keyPackage });
  }

  private async commitRequested(event: EventOf<'e2ee-commit-request'>): Promise<void> {
    const member = this.member;
    if (!member) return;
    const present = new Set(this.host.participants().map((p) => p.id));
    // Only people the server also shows us as present may be added (a hidden member would show as a mismatch anyway).
    const add = event.add.filter((entry) => present.has(entry.participantId));
    if (event.create) {
      await member.createGroup(crypto.randomUUID());
    } else if (member.epoch !== event.epoch) {
      return;
    }
    const before = this.membersNow();
    const pending = await member.commit(add, event.remove);
    const { accepted } = await this.host.request('e2ee-commit', {
      epoch: event.epoch,
      ...(pending.commit !== undefined && { commit: pending.commit }),
      ...(pending.welcome !== undefined && { welcome: pending.welcome }),
    });
    if (!accepted) {
      if (event.create) member.leaveGroup();
      return;
    }
    pending.apply();
    await this.installEpoch(event.create ? null : before);
  }

  private async commitReceived(epoch: number, commit: string): Promise<void> {
    const member = this.member;
    if (!member?.inGroup || member.epoch !== epoch) return;
    const before = this.membersNow();
    await member.applyCommit(commit);
    await this.installEpoch(before);
  }

  private async welcomed(welcome: string): Promise<void> {
    const member = this.member;
    if (!member || member.inGroup) return;
    await member.join(welcome);
    await this.installEpoch(null);
  }

  private membersNow(): string[] {
    return this.member?.inGroup ? this.member.members().map((m) => m.participantId) : [];
  }

  /** The new epoch's keys go to the worker (receive at once, send on execute); then we report ready. */
  private async installEpoch(before: string[] | null): Promise<void> {
    const member = this.member;
    if (!member?.inGroup) return;
    const baseKey = await member.sframeBaseKey();
    const roster = member.members();
    this.post({ type: 'epoch', epoch: member.epoch, baseKey, leaf: member.leaf, roster });
    const members = roster.map((m) => m.participantId);
    this.patch({
      members,
      code: meetingCode(member.epochAuthenticator()),
      codeReason: this.reason(before, members),
    });
    this.checkRoster();
    await this.host.request('e2ee-ready', { epoch: member.epoch });
  }

  private reason(before: string[] | null, after: string[]): CodeReason {
    if (before === null || before.length === 0) return { kind: 'started' };
    const names = (ids: string[]) =>
      ids.map((id) => this.host.participants().find((p) => p.id === id)?.displayName ?? id);
    const joined = after.filter((id) => !before.includes(id));
    const left = before.filter((id) => !after.includes(id));
    if (joined.length > 0) return { kind: 'joined', names: names(joined) };
    if (left.length > 0) return { kind: 'left', names: names(left) };
    return { kind: 'changed' };
  }

  private execute(epoch: number): void {
    const member = this.member;
    if (!member?.inGroup || member.epoch < epoch) return;
    if (this.sendEpoch !== null && this.sendEpoch >= epoch) return;
    this.sendEpoch = epoch;
    this.post({ type: 'send-epoch', epoch });
    this.applyModes();
    this.updateUiState();
  }

  private async chatReceived(message: EventOf<'e2ee-chat-message'>['message']): Promise<void> {
    const member = this.member;
    const self = this.host.self();
    if (!member?.inGroup || message.from === self?.id) return;
    let text: string;
    try {
      const payload = JSON.parse(
        new TextDecoder().decode(await member.decrypt(message.ciphertext)),
      ) as unknown;
      text =
        typeof (payload as { text?: unknown }).text === 'string' ? (payload as { text: string }).text : '';
    } catch {
      return;
    }
    if (!text) return;
    const fromName = this.host.participants().find((p) => p.id === message.from)?.displayName ?? '';
    this.host.chatMessage({
      id: message.id,
      from: message.from,
      fromName,
      to: message.to,
      text,
      sentAt: message.sentAt,
    });
  }

  /** The MLS roster must match who the server says is present, once no change is under way. */
  private checkRoster(): void {
    const { members } = this.state.get();
    const self = this.host.self();
    if (!self || members.length === 0 || this.roomState !== 'on') {
      if (this.state.get().rosterMismatch) this.patch({ rosterMismatch: false });
      return;
    }
    const present = new Set([self.id, ...this.host.participants().map((p) => p.id)]);
    // Members not present: a ghost the server keeps in the group. (Joiners not yet added are normal.)
    const mismatch = members.some((id) => !present.has(id));
    if (mismatch !== this.state.get().rosterMismatch) this.patch({ rosterMismatch: mismatch });
  }

  private fromWorker(message: FromWorker): void {
    if (message.type !== 'receiver') return;
    const trackId = this.receiverTracks.get(message.id);
    if (!trackId) return;
    const waiting = new Set(this.state.get().waitingTracks);
    if (message.waiting) waiting.add(trackId);
    else waiting.delete(trackId);
    this.patch({ waitingTracks: waiting });
  }
}
