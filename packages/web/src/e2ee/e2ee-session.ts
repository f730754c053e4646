import type { E2eeRoomState, EventOf } from '@parley/protocol';
import type { SignalingClient } from '../conference/signaling';
import { Store } from '../state/store';
import { type E2eeAlarm, type E2eeHost, type E2eeState, initialE2eeState } from './e2ee-state';
import { EncryptedFlag } from './encrypted-flag';
import { openMessage, sealChat, sealPoll, sealSwitchOff, switchOffSender } from './encrypted-payload';
import { FrameWorker, scriptTransform } from './frame-worker';
import { GroupSync } from './group-sync';
import type { MlsMember } from './mls-member';
import { type ModeFacts, uiState, workerModes } from './modes';
import { RosterView } from './roster-view';
import { SerialQueue } from './serial-queue';
import type { ToWorker } from './worker-messages';

export type { CodeReason, E2eeAlarm, E2eeHost, E2eeState, E2eeUiState, SwitchedOff } from './e2ee-state';
export { prewarmE2eeWorker } from './frame-worker';

/** A server that lost the group is asked to switch encryption on again at most this often. */
const REENABLE_INTERVAL_MS = 3000;
/** Switch-off claims closer together than this are counted, not each decrypted (a flood). */
const OFF_CLAIM_INTERVAL_MS = 250;

/**
 * End-to-end encryption on this page (docs/e2ee.md). Attaches a transform to every sender and
 * receiver when it is created (frames pass through until there are keys), runs this client's side
 * of the MLS group with the server as delivery service, hands each epoch's keys to the worker and
 * switches senders. The server is not trusted with the state: once this tab has sent encrypted
 * media in a meeting, nothing but an MLS-signed switch-off by a member the group's policy allows
 * (and then this user's own choice) lets it send or accept plaintext again; rosters are checked
 * against who is present before moving into them; chat authors come from MLS.
 */
export class E2eeSession {
  readonly state = new Store<E2eeState>(initialE2eeState(scriptTransform() !== null));
  /** The frame-transform worker: every sender and receiver is attached to it when created. */
  readonly frames: FrameWorker;
  private readonly group: GroupSync;
  /** This tab sent encrypted media in this meeting: from then on it never sends or accepts plaintext. */
  private readonly encryptedFlag: EncryptedFlag;
  /** What the server last said; only ever trusted to make us stricter. */
  private roomState: E2eeRoomState = 'off';
  /** An authenticated switch-off the user has not answered yet: our media is held. */
  private offHeld = false;
  /** MLS work runs one step at a time: ts-mls states are replaced, never shared. */
  private readonly queue = new SerialQueue();
  private lastReenable = 0;
  private lastOffClaim = 0;
  private readonly people: RosterView;

  constructor(private readonly host: E2eeHost) {
    this.encryptedFlag = new EncryptedFlag(host.room);
    this.people = new RosterView(host, this.state);
    this.group = new GroupSync(host, {
      state: () => this.state.get(),
      patch: (change) => this.patch(change),
      post: (message) => this.post(message),
      enqueue: (step) => this.enqueue(step),
      people: this.people,
      encrypted: () => this.encrypted,
      offHeld: () => this.offHeld,
      closed: () => this.queue.isClosed,
      modesChanged: () => {
        this.applyModes();
        this.updateUiState();
      },
      encryptedNow: () => this.encryptedFlag.set(true),
    });
    this.frames = new FrameWorker((trackId, waiting) => {
      const waitingTracks = new Set(this.state.get().waitingTracks);
      if (waiting) waitingTracks.add(trackId);
      else waitingTracks.delete(trackId);
      this.patch({ waitingTracks });
    });
    if (this.state.get().supported) {
      // The browser tests' frame tap: only in the test build (`--mode e2e-test`); production drops it.
      if (import.meta.env.MODE === 'e2e-test')
        void import('./test-tap').then((tap) => tap.exposeTestTap(this, (message) => this.post(message)));
      // A reload in an encrypted meeting: hold from the first frame.
      if (this.wasEncrypted) this.applyModes();
    }
  }

  listen(signaling: SignalingClient): void {
    signaling.on('e2ee-state', (event) => this.roomStateChanged(event.state, event.by, event.proof));
    signaling.on('e2ee-commit-request', (event) => this.enqueue(() => this.group.commitRequested(event)));
    signaling.on('e2ee-commit', (event) =>
      this.enqueue(() => this.group.commitReceived(event.epoch, event.commit)),
    );
    signaling.on('e2ee-welcome', (event) => this.enqueue(() => this.group.welcomed(event.welcome)));
    signaling.on('e2ee-execute', (event) => this.enqueue(async () => this.group.execute(event.epoch)));
    signaling.on('e2ee-chat-message', (event) => this.enqueue(() => this.chatReceived(event.message)));
    signaling.on('participant-joined', () => this.presenceChanged());
    signaling.on('participant-left', () => this.presenceChanged());
  }

  /** Switch encryption on for everyone (open to every participant). */
  async enable(): Promise<void> {
    if (!this.state.get().supported) throw new Error('unsupported');
    await this.host.request('e2ee-enable', {});
  }

  /**
   * Switch encryption off for everyone: an MLS application message signed by us goes with the
   * request, and every member checks it against the group's policy before changing anything.
   */
  disable(): Promise<void> {
    return this.queue.run(async () => {
      const member = this.group.member;
      const self = this.host.self();
      if (!member?.inGroup || !self) throw new Error('not in the encrypted group');
      if (!member.policy().off.includes(self.id)) throw new Error('not allowed to switch encryption off');
      const proof = await sealSwitchOff(member);
      await this.host.request('e2ee-disable', { proof });
      // Our own act is our choice: no notice to answer.
      this.goOff(self.id, false);
    });
  }

  /** The user read the notice and continues without end-to-end encryption: media flows in the clear. */
  continueWithoutEncryption(): void {
    if (!this.offHeld) return;
    this.offHeld = false;
    this.encryptedFlag.set(false);
    // The only message that lets the worker go back to plaintext once it has been encrypting.
    this.post({ type: 'off-confirmed' });
    this.post({ type: 'reset' });
    const switchedOff = this.state.get().switchedOff;
    this.patch({ switchedOff: switchedOff && { ...switchedOff, held: false } });
    this.applyModes();
    this.updateUiState();
  }

  /** The user would rather leave than continue without encryption. */
  leaveInstead(): void {
    this.host.leave();
  }

  dismissAlarm(kind: E2eeAlarm['kind']): void {
    this.people.dismiss(kind);
  }

  dismissSwitchedOff(): void {
    if (this.offHeld) return;
    this.patch({ switchedOff: null });
  }

  /** Whether chat must go through `sendChat` (encrypted) rather than in the clear. */
  get chatEncrypted(): boolean {
    return this.encrypted;
  }

  /**
   * Sends a chat message as an MLS application message; the server relays ciphertext only. A
   * private message is sealed (HPKE) to the recipient's leaf key inside it: no other member can read it.
   */
  sendChat(text: string, to: string | null): Promise<{ messageId: string }> {
    return this.sendSealed((member) => sealChat(member, text, to), to ?? undefined);
  }

  /**
   * Sends a poll message (conference/polls.ts) as an MLS application message; with `to` (an
   * anonymous poll's vote) it is also HPKE-sealed to that member, and the server delivers it to them
   * alone. The server relays ciphertext only.
   */
  async sendPoll(message: unknown, to?: string): Promise<void> {
    await this.sendSealed((member) => sealPoll(member, message, to), to);
  }

  /** Sends what `seal` makes with the group's keys, to everyone or (`to`) one member. */
  private sendSealed(seal: (member: MlsMember) => Promise<string>, to?: string) {
    return this.queue.run(async () => {
      const member = this.group.member;
      if (!member?.inGroup) throw new Error('not yet in the encrypted group');
      const ciphertext = await seal(member);
      return this.host.request('e2ee-chat-send', to ? { ciphertext, to } : { ciphertext });
    });
  }

  /** Whether the group's policy (fixed in the group id, MLS-agreed) names this participant. */
  policyNames(participantId: string): boolean {
    const member = this.group.member;
    return member?.inGroup === true && member.policy().off.includes(participantId);
  }

  /** Someone came or went: members of the keys in use who are absent get a deadline. */
  presenceChanged(): void {
    this.people.remember();
    // The meeting updates its participant list in its own handler of the same event, after ours.
    setTimeout(() => {
      if (!this.queue.isClosed) this.group.checkAbsent();
    }, 0);
  }

  /**
   * Our connection dropped and we come back as a new participant (docs/e2ee.md, _Reconnecting_): the
   * old MLS membership and its keys are gone — the others remove it with their next commit. In an
   * encrypted meeting our frames are held from now on (never sent in the clear) until we are a
   * member again; a server that comes back without the group is asked to switch encryption on again.
   */
  rejoin(): void {
    this.group.leave();
    // A key package being made right now belongs to our old participant id: forget it too.
    this.enqueue(async () => {
      this.group.member = null;
    });
    this.group.clearTimers();
    if (!this.wasEncrypted) this.post({ type: 'reset' });
    this.applyModes();
    this.patch({
      members: [],
      code: null,
      codeReason: null,
      rosterMismatch: false,
      alarms: [],
      waitingTracks: new Set(),
    });
    this.updateUiState();
  }

  /**
   * We move to another room (a breakout room, or back to the main room): as a rejoin, and the
   * "was encrypted" fact follows us there — an encrypted meeting's breakout rooms are encrypted too,
   * so our frames stay held until we are a member of that room's own group.
   */
  moved(room: string): void {
    this.encryptedFlag.moveTo(room);
    this.rejoin();
    // The old room's keys decrypt nothing in the new one, and its epoch numbers, counters and send
    // epoch would mix with the new group's: the worker forgets them (still holding, if encrypted).
    this.post({ type: 'reset' });
  }

  close(): void {
    this.queue.close();
    this.group.clearTimers();
    this.frames.terminate();
  }

  /** Asks the worker for its frame counters (tests and the bench). */
  frameStats(): Promise<unknown> {
    return this.frames.frameStats();
  }

  /** What the worker does with frames. Once we have encrypted, never plaintext in either direction. */
  private applyModes(): void {
    this.post({ type: 'mode', ...workerModes(this.modeFacts()) });
  }

  private updateUiState(): void {
    const state = uiState(this.modeFacts());
    if (this.state.get().state !== state) this.patch({ state });
  }

  private modeFacts(): ModeFacts {
    return {
      wasEncrypted: this.wasEncrypted,
      offHeld: this.offHeld,
      roomState: this.roomState,
      sendEpoch: this.group.sendEpoch,
      keysUsable: this.group.keysUsable,
    };
  }

  /** Encrypted as far as this page is concerned: the server says so, or we have been encrypting. */
  private get encrypted(): boolean {
    return this.wasEncrypted || this.offHeld || this.roomState !== 'off';
  }

  private get wasEncrypted(): boolean {
    return this.encryptedFlag.value;
  }

  private patch(change: Partial<E2eeState>): void {
    this.state.update((state) => ({ ...state, ...change }));
  }

  private post(message: ToWorker): void {
    this.frames.post(message);
  }

  private enqueue(step: () => Promise<void>): void {
    this.queue.enqueue(step);
  }

  private roomStateChanged(state: E2eeRoomState, by: string | null, proof: string | undefined): void {
    this.people.remember();
    if (state === 'off') {
      if (proof && this.group.member?.inGroup) {
        const now = Date.now();
        if (now - this.lastOffClaim < OFF_CLAIM_INTERVAL_MS) return;
        this.lastOffClaim = now;
        this.enqueue(() => this.verifyOff(by, proof));
        return;
      }
      if (this.wasEncrypted || this.offHeld) {
        // A server cannot switch us off: without a member's signed switch-off this changes nothing.
        if (this.group.member?.inGroup) {
          this.people.raise({ kind: 'unproven-off', names: by ? [this.people.nameOf(by)] : [] });
        } else if (!this.offHeld) {
          // Out of any group (we reconnected, or the server restarted and forgot the group): keep
          // holding and switch encryption on again — switching on is open to everyone.
          this.roomState = 'off';
          this.reenable();
        }
        return;
      }
      this.roomState = 'off';
      this.group.leave();
      // A key package made while this arrived belongs to the old group: forget it too.
      this.enqueue(async () => {
        if (this.roomState === 'off') this.group.member = null;
      });
      this.group.clearTimers();
      this.post({ type: 'reset' });
      this.patch({
        state: 'off',
        code: null,
        codeReason: null,
        members: [],
        mayDisable: false,
        offPolicy: [],
        waitingTracks: new Set(),
      });
      return;
    }
    this.roomState = state;
    if (this.offHeld) {
      // Someone switched it on again before we answered: we encrypt again instead of holding.
      this.offHeld = false;
      this.patch({ switchedOff: null });
    }
    this.applyModes();
    this.updateUiState();
    if (!this.state.get().supported) {
      this.host.refuse();
      return;
    }
    if (!this.group.member) this.enqueue(() => this.group.sendKeyPackage());
  }

  private reenable(): void {
    const now = Date.now();
    if (now - this.lastReenable < REENABLE_INTERVAL_MS) return;
    this.lastReenable = now;
    this.applyModes();
    this.updateUiState();
    this.host.request('e2ee-enable', {}).catch(() => undefined);
  }

  /** An `e2ee-state off` carrying a member's signed switch-off: checked against the group's policy. */
  private async verifyOff(claimedBy: string | null, proof: string): Promise<void> {
    const member = this.group.member;
    if (!member?.inGroup) return;
    const sender = await switchOffSender(member, proof);
    if (sender === null)
      this.people.raise({ kind: 'unproven-off', names: claimedBy ? [this.people.nameOf(claimedBy)] : [] });
    else if (!member.policy().off.includes(sender))
      this.people.raise({ kind: 'off-not-allowed', names: [this.people.nameOf(sender)] });
    else this.goOff(sender, true);
  }

  /** Encryption is off by a member's authenticated act: forget the group; hold until the user answers. */
  private goOff(by: string, hold: boolean): void {
    this.group.leave();
    this.roomState = 'off';
    this.group.clearTimers();
    this.offHeld = hold;
    if (!hold) {
      this.encryptedFlag.set(false);
      this.post({ type: 'off-confirmed' });
      this.post({ type: 'reset' });
    }
    const self = this.host.self();
    this.patch({
      code: null,
      codeReason: null,
      members: [],
      mayDisable: false,
      offPolicy: [],
      alarms: [],
      rosterMismatch: false,
      waitingTracks: new Set(),
      switchedOff: by === self?.id ? null : { by, name: this.people.nameOf(by), held: hold },
    });
    this.applyModes();
    this.updateUiState();
  }

  private async chatReceived(message: EventOf<'e2ee-chat-message'>['message']): Promise<void> {
    const member = this.group.member;
    const self = this.host.self();
    if (!member?.inGroup || !self) return;
    await openMessage(member, self.id, message, {
      chatMessage: (opened) => this.host.chatMessage(opened),
      ...(this.host.pollMessage && {
        pollMessage: (sender: string, poll: unknown) => this.host.pollMessage?.(sender, poll),
      }),
      nameOf: (id) => this.people.nameOf(id),
    });
  }
}
