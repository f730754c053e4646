import type { E2eeRoomState, EventOf, ParticipantInfo } from '@parley/protocol';
import type { Requester, SignalingClient } from '../conference/signaling';
import { Store } from '../state/store';
import { defaultPolicy } from './group-policy';
import { type MeetingCode, meetingCode } from './meeting-code';
import type { GroupMember, MlsMember } from './mls-member';
import type { FrameSource } from './sframe';
import type { FromWorker, ReceiveMode, SendMode, ToWorker } from './worker-messages';

/**
 * A member not present in the meeting (a leaver, or a ghost the server never showed) may hold the
 * keys in use at most this long: then this client stops sending with them on its own, whatever the
 * server says (docs/e2ee.md, _Leavers_).
 */
const ABSENT_DEADLINE_MS = 5000;
/** Installed keys are switched to after this long even if the server never says `e2ee-execute`. */
const EXECUTE_DEADLINE_MS = 4000;
/** A client that lost the group asks to be added again at most this often. */
const REJOIN_INTERVAL_MS = 3000;
/** A key package not answered with a welcome by then is sent again (the server may have dropped it). */
const KEY_PACKAGE_RETRY_MS = 20_000;
/** Switch-off claims closer together than this are counted, not each decrypted (a flood). */
const OFF_CLAIM_INTERVAL_MS = 250;

/** sessionStorage: this tab has sent encrypted media in this meeting (survives reloads and reconnects). */
const ENCRYPTED_FLAG = 'parley-e2ee-encrypted:';

/** What this screen shows: `pending` until we encrypt with the group's keys, `on` from then on. */
export type E2eeUiState = 'off' | 'pending' | 'on';

/** Why the meeting code changed last. */
export type CodeReason =
  | { kind: 'started' }
  | { kind: 'joined'; names: string[] }
  | { kind: 'left'; names: string[] }
  | { kind: 'changed' };

/**
 * Something the server (or a member) did that this client refused or caught. Names are display
 * names of the participant ids involved (ids MLS authenticated).
 */
export type E2eeAlarm =
  /** A commit or welcome had one participant twice (an invisible listener): refused. */
  | { kind: 'duplicate'; names: string[] }
  /** A commit added someone who is not in the meeting: refused. */
  | { kind: 'not-present'; names: string[] }
  /** A commit removed someone who is still in the meeting: refused. */
  | { kind: 'removed-present'; names: string[] }
  /** Members absent from the meeting still hold the keys after the deadline: our media is held. */
  | { kind: 'rekey-overdue'; names: string[] }
  /** The server said encryption is off without an MLS-signed switch-off: ignored. */
  | { kind: 'unproven-off'; names: string[] }
  /** A member switched off though the group's policy does not allow them: ignored. */
  | { kind: 'off-not-allowed'; names: string[] }
  /** A commit could not be processed: this client left the group and asked to be added again. */
  | { kind: 'commit-failed'; names: string[] };

export interface SwitchedOff {
  /** The member who switched it off, by the MLS-authenticated sender of the switch-off. */
  by: string;
  name: string;
  /** Our own media is held until the user chooses to continue without encryption (or leaves). */
  held: boolean;
}

export interface E2eeState {
  state: E2eeUiState;
  /** The browser cannot encrypt frames (no RTCRtpScriptTransform). */
  supported: boolean;
  code: MeetingCode | null;
  codeReason: CodeReason | null;
  /** Participant ids in the MLS group of the keys in use (the roster the keys are really shared with). */
  members: readonly string[];
  /** A roster alarm is raised (kept for the `e2ee-roster-mismatch` banner). */
  rosterMismatch: boolean;
  /** Alarms, one per kind, newest last. */
  alarms: readonly E2eeAlarm[];
  /** Encryption was switched off by an authenticated member: shown until dismissed. */
  switchedOff: SwitchedOff | null;
  /** Whether this participant may switch encryption off (the group's policy names them). */
  mayDisable: boolean;
  /** Display names of those the group's policy lets switch encryption off. */
  offPolicy: readonly string[];
  /** Ids of remote tracks whose frames we cannot decrypt yet ("waiting for keys"). */
  waitingTracks: ReadonlySet<string>;
}

export interface E2eeHost {
  request: Requester;
  /** The meeting's room name: the "was encrypted" fact is kept per meeting. */
  room: string;
  self(): ParticipantInfo | null;
  participants(): readonly ParticipantInfo[];
  /** A decrypted chat message for the chat log. */
  chatMessage(message: EventOf<'chat-message'>['message']): void;
  /** A decrypted poll message and its MLS-authenticated sender (checked by Polls). */
  pollMessage?(sender: string, message: unknown): void;
  /** The meeting became encrypted and this browser cannot encrypt: stop all media at once. */
  refuse(): void;
  /** The user chose to leave rather than continue without encryption. */
  leave(): void;
}

/** A roster this client will not move into. */
class RosterRefused extends Error {
  constructor(readonly alarm: E2eeAlarm) {
    super(alarm.kind);
  }
}

/** What we know of an installed epoch until our senders switch to it. */
interface EpochInfo {
  members: string[];
  code: MeetingCode;
  reason: CodeReason;
}

type ChatPayload =
  | { kind: 'chat'; text: string }
  | { kind: 'private'; to: string; box: { enc: string; ct: string } }
  | { kind: 'e2ee-off'; epoch: number }
  /** A poll message (conference/polls.ts), validated by its receiver. */
  | { kind: 'poll'; message: unknown }
  /** An anonymous poll's vote, HPKE-sealed to the poll's creator. */
  | { kind: 'poll-sealed'; to: string; box: { enc: string; ct: string } };

function parsePayload(bytes: Uint8Array): ChatPayload | null {
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    if (value.kind === 'chat' && typeof value.text === 'string') return { kind: 'chat', text: value.text };
    const box = value.box as Record<string, unknown> | undefined;
    if (
      value.kind === 'private' &&
      typeof value.to === 'string' &&
      typeof box?.enc === 'string' &&
      typeof box.ct === 'string'
    )
      return { kind: 'private', to: value.to, box: { enc: box.enc, ct: box.ct } };
    if (value.kind === 'e2ee-off' && typeof value.epoch === 'number')
      return { kind: 'e2ee-off', epoch: value.epoch };
    if (value.kind === 'poll' && 'message' in value) return { kind: 'poll', message: value.message };
    if (
      value.kind === 'poll-sealed' &&
      typeof value.to === 'string' &&
      typeof box?.enc === 'string' &&
      typeof box.ct === 'string'
    )
      return { kind: 'poll-sealed', to: value.to, box: { enc: box.enc, ct: box.ct } };
  } catch {
    // not ours
  }
  return null;
}

function sessionFlag(key: string): boolean {
  try {
    return sessionStorage.getItem(key) === '1';
  } catch {
    return false;
  }
}

function setSessionFlag(key: string, on: boolean): void {
  try {
    if (on) sessionStorage.setItem(key, '1');
    else sessionStorage.removeItem(key);
  } catch {
    // storage unavailable: the fact lives in memory for this page
  }
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
 * of the MLS group with the server as delivery service, hands each epoch's keys to the worker and
 * switches senders. The server is not trusted with the state: once this tab has sent encrypted
 * media in a meeting, nothing but an MLS-signed switch-off by a member the group's policy allows
 * (and then this user's own choice) lets it send or accept plaintext again; rosters are checked
 * against who is present before moving into them; chat authors come from MLS.
 */
export class E2eeSession {
  readonly state = new Store<E2eeState>({
    state: 'off',
    supported: scriptTransform() !== null,
    code: null,
    codeReason: null,
    members: [],
    rosterMismatch: false,
    alarms: [],
    switchedOff: null,
    mayDisable: false,
    offPolicy: [],
    waitingTracks: new Set(),
  });
  private worker: Worker | null = null;
  private member: MlsMember | null = null;
  /** What the server last said; only ever trusted to make us stricter. */
  private roomState: E2eeRoomState = 'off';
  /** This tab sent encrypted media in this meeting: from then on it never sends or accepts plaintext. */
  private wasEncrypted: boolean;
  /** An authenticated switch-off the user has not answered yet: our media is held. */
  private offHeld = false;
  /** The epoch our senders seal with; null until the first execute. */
  private sendEpoch: number | null = null;
  private readonly epochInfo = new Map<number, EpochInfo>();
  /** MLS work runs one step at a time: ts-mls states are replaced, never shared. */
  private queue: Promise<void> = Promise.resolve();
  private readonly receiverTracks = new Map<string, string>();
  /** Each receiver's transform id, and whom its frames must come from as last told to the worker. */
  private readonly receiverIds = new WeakMap<RTCRtpReceiver, string>();
  private readonly receiverOwners = new Map<string, string>();
  private nextTransformId = 0;
  private closed = false;
  private executeTimer: ReturnType<typeof setTimeout> | null = null;
  /** Members of the keys in use who are not present, and when we first saw them absent. */
  private readonly absent = new Map<string, ReturnType<typeof setTimeout>>();
  /** Absent members past the deadline: while any, our media is held. */
  private readonly overdue = new Set<string>();
  private lastRejoin = 0;
  private lastReenable = 0;
  private lastOffClaim = 0;
  /** Names of participants seen in this meeting, for alarms about ids no longer present. */
  private readonly names = new Map<string, string>();
  private encryptedFlag: string;

  constructor(private readonly host: E2eeHost) {
    this.encryptedFlag = `${ENCRYPTED_FLAG}${host.room}`;
    this.wasEncrypted = sessionFlag(this.encryptedFlag);
    if (this.state.get().supported) {
      this.worker = takeWorker();
      this.worker.addEventListener('message', (event: MessageEvent<FromWorker>) =>
        this.fromWorker(event.data),
      );
      // The browser tests' frame tap: only in the test build (`--mode e2e-test`); production drops it.
      if (import.meta.env.MODE === 'e2e-test')
        void import('./test-tap').then((tap) => tap.exposeTestTap(this, (message) => this.post(message)));
      // A reload in an encrypted meeting: hold from the first frame.
      if (this.wasEncrypted) this.applyModes();
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
    signaling.on('e2ee-state', (event) => this.roomStateChanged(event.state, event.by, event.proof));
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
    return this.serialized(async () => {
      const member = this.member;
      const self = this.host.self();
      if (!member?.inGroup || !self) throw new Error('not in the encrypted group');
      if (!member.policy().off.includes(self.id)) throw new Error('not allowed to switch encryption off');
      const proof = await member.encrypt(
        new TextEncoder().encode(JSON.stringify({ kind: 'e2ee-off', epoch: member.epoch })),
      );
      await this.host.request('e2ee-disable', { proof });
      // Our own act is our choice: no notice to answer.
      this.goOff(self.id, false);
    });
  }

  /** The user read the notice and continues without end-to-end encryption: media flows in the clear. */
  continueWithoutEncryption(): void {
    if (!this.offHeld) return;
    this.offHeld = false;
    this.setWasEncrypted(false);
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

  dismissSwitchedOff(): void {
    if (this.offHeld) return;
    this.patch({ switchedOff: null });
  }

  dismissAlarm(kind: E2eeAlarm['kind']): void {
    this.patch({ alarms: this.state.get().alarms.filter((alarm) => alarm.kind !== kind) });
    this.updateRosterMismatch();
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
    return this.serialized(async () => {
      const member = this.member;
      if (!member?.inGroup) throw new Error('not yet in the encrypted group');
      const payload: ChatPayload = to
        ? { kind: 'private', to, box: await member.sealTo(to, new TextEncoder().encode(text)) }
        : { kind: 'chat', text };
      const ciphertext = await member.encrypt(new TextEncoder().encode(JSON.stringify(payload)));
      return this.host.request('e2ee-chat-send', to ? { ciphertext, to } : { ciphertext });
    });
  }

  /**
   * Sends a poll message (conference/polls.ts) as an MLS application message; with `to` (an
   * anonymous poll's vote) it is also HPKE-sealed to that member, and the server delivers it to them
   * alone. The server relays ciphertext only.
   */
  sendPoll(message: unknown, to?: string): Promise<void> {
    return this.serialized(async () => {
      const member = this.member;
      if (!member?.inGroup) throw new Error('not yet in the encrypted group');
      const bytes = new TextEncoder().encode(JSON.stringify(message));
      const payload: ChatPayload = to
        ? { kind: 'poll-sealed', to, box: await member.sealTo(to, bytes) }
        : { kind: 'poll', message };
      const ciphertext = await member.encrypt(new TextEncoder().encode(JSON.stringify(payload)));
      await this.host.request('e2ee-chat-send', to ? { ciphertext, to } : { ciphertext });
    });
  }

  /** Whether the group's policy (fixed in the group id, MLS-agreed) names this participant. */
  policyNames(participantId: string): boolean {
    const member = this.member;
    return member?.inGroup === true && member.policy().off.includes(participantId);
  }

  /** Someone came or went: members of the keys in use who are absent get a deadline. */
  presenceChanged(): void {
    this.rememberNames();
    // The meeting updates its participant list in its own handler of the same event, after ours.
    setTimeout(() => {
      if (!this.closed) this.checkAbsent();
    }, 0);
  }

  /**
   * Our connection dropped and we come back as a new participant (docs/e2ee.md, _Reconnecting_): the
   * old MLS membership and its keys are gone — the others remove it with their next commit. In an
   * encrypted meeting our frames are held from now on (never sent in the clear) until we are a
   * member again; a server that comes back without the group is asked to switch encryption on again.
   */
  rejoin(): void {
    this.member?.leaveGroup();
    this.member = null;
    // A key package being made right now belongs to our old participant id: forget it too.
    this.enqueue(async () => {
      this.member = null;
    });
    this.sendEpoch = null;
    this.epochInfo.clear();
    this.clearTimers();
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
    this.encryptedFlag = `${ENCRYPTED_FLAG}${room}`;
    if (this.wasEncrypted) setSessionFlag(this.encryptedFlag, true);
    this.rejoin();
    // The old room's keys decrypt nothing in the new one, and its epoch numbers, counters and send
    // epoch would mix with the new group's: the worker forgets them (still holding, if encrypted).
    this.post({ type: 'reset' });
  }

  close(): void {
    this.closed = true;
    this.clearTimers();
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

  /** Encrypted as far as this page is concerned: the server says so, or we have been encrypting. */
  private get encrypted(): boolean {
    return this.wasEncrypted || this.offHeld || this.roomState !== 'off';
  }

  private clearTimers(): void {
    if (this.executeTimer) clearTimeout(this.executeTimer);
    this.executeTimer = null;
    for (const timer of this.absent.values()) clearTimeout(timer);
    this.absent.clear();
    this.overdue.clear();
  }

  private setWasEncrypted(value: boolean): void {
    this.wasEncrypted = value;
    setSessionFlag(this.encryptedFlag, value);
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

  private nameOf(id: string): string {
    return this.host.participants().find((p) => p.id === id)?.displayName ?? this.names.get(id) ?? id;
  }

  private rememberNames(): void {
    const self = this.host.self();
    if (self) this.names.set(self.id, self.displayName);
    for (const p of this.host.participants()) this.names.set(p.id, p.displayName);
  }

  private presentIds(): Set<string> {
    const self = this.host.self();
    return new Set([...(self ? [self.id] : []), ...this.host.participants().map((p) => p.id)]);
  }

  private raise(alarm: E2eeAlarm): void {
    const alarms = [...this.state.get().alarms.filter((a) => a.kind !== alarm.kind), alarm];
    this.patch({ alarms });
    this.updateRosterMismatch();
  }

  private clearAlarm(kind: E2eeAlarm['kind']): void {
    if (this.state.get().alarms.some((a) => a.kind === kind)) this.dismissAlarm(kind);
  }

  private updateRosterMismatch(): void {
    const rosterKinds = ['duplicate', 'not-present', 'removed-present', 'rekey-overdue'];
    const mismatch = this.state.get().alarms.some((a) => rosterKinds.includes(a.kind));
    if (mismatch !== this.state.get().rosterMismatch) this.patch({ rosterMismatch: mismatch });
  }

  private roomStateChanged(state: E2eeRoomState, by: string | null, proof: string | undefined): void {
    this.rememberNames();
    if (state === 'off') {
      if (proof && this.member?.inGroup) {
        const now = Date.now();
        if (now - this.lastOffClaim < OFF_CLAIM_INTERVAL_MS) return;
        this.lastOffClaim = now;
        this.enqueue(() => this.verifyOff(by, proof));
        return;
      }
      if (this.wasEncrypted || this.offHeld) {
        // A server cannot switch us off: without a member's signed switch-off this changes nothing.
        if (this.member?.inGroup) {
          this.raise({ kind: 'unproven-off', names: by ? [this.nameOf(by)] : [] });
        } else if (!this.offHeld) {
          // Out of any group (we reconnected, or the server restarted and forgot the group): keep
          // holding and switch encryption on again — switching on is open to everyone.
          this.roomState = 'off';
          this.reenable();
        }
        return;
      }
      this.roomState = 'off';
      this.member?.leaveGroup();
      this.member = null;
      // A key package made while this arrived belongs to the old group: forget it too.
      this.enqueue(async () => {
        if (this.roomState === 'off') this.member = null;
      });
      this.sendEpoch = null;
      this.epochInfo.clear();
      this.clearTimers();
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
    if (!this.member) this.enqueue(() => this.sendKeyPackage());
  }

  private reenable(): void {
    const now = Date.now();
    if (now - this.lastReenable < REJOIN_INTERVAL_MS) return;
    this.lastReenable = now;
    this.applyModes();
    this.updateUiState();
    this.host.request('e2ee-enable', {}).catch(() => undefined);
  }

  /** An `e2ee-state off` carrying a member's signed switch-off: checked against the group's policy. */
  private async verifyOff(claimedBy: string | null, proof: string): Promise<void> {
    const member = this.member;
    if (!member?.inGroup) return;
    let sender: string;
    try {
      const received = await member.decrypt(proof);
      const payload = parsePayload(received.plaintext);
      if (payload?.kind !== 'e2ee-off') throw new Error('not a switch-off');
      sender = received.sender;
    } catch {
      this.raise({ kind: 'unproven-off', names: claimedBy ? [this.nameOf(claimedBy)] : [] });
      return;
    }
    if (!member.policy().off.includes(sender)) {
      this.raise({ kind: 'off-not-allowed', names: [this.nameOf(sender)] });
      return;
    }
    this.goOff(sender, true);
  }

  /** Encryption is off by a member's authenticated act: forget the group; hold until the user answers. */
  private goOff(by: string, hold: boolean): void {
    this.member?.leaveGroup();
    this.member = null;
    this.roomState = 'off';
    this.sendEpoch = null;
    this.epochInfo.clear();
    this.clearTimers();
    this.offHeld = hold;
    if (!hold) {
      this.setWasEncrypted(false);
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
      switchedOff: by === self?.id ? null : { by, name: this.nameOf(by), held: hold },
    });
    this.applyModes();
    this.updateUiState();
  }

  /** What the worker does with frames. Once we have encrypted, never plaintext in either direction. */
  private applyModes(): void {
    let send: SendMode = 'clear';
    let receive: ReceiveMode = 'clear';
    const keysUsable = this.sendEpoch !== null && this.member?.inGroup === true && this.overdue.size === 0;
    if (this.wasEncrypted || this.offHeld) {
      send = keysUsable && !this.offHeld ? 'encrypt' : 'hold';
      receive = 'strict';
    } else if (this.roomState === 'pending') {
      // Switching on for the first time: others may still send in the clear for a moment.
      send = this.sendEpoch === null ? 'clear' : 'encrypt';
      receive = 'mixed';
    } else if (this.roomState === 'on') {
      // Never plaintext into an encrypted meeting: hold our frames until we have the keys.
      send = keysUsable ? 'encrypt' : 'hold';
      receive = 'strict';
    }
    this.post({ type: 'mode', send, receive });
  }

  private updateUiState(): void {
    let state: E2eeUiState;
    if (this.offHeld || !this.encrypted) state = 'off';
    else if (this.sendEpoch !== null && this.member?.inGroup && this.overdue.size === 0) state = 'on';
    else state = 'pending';
    if (this.state.get().state !== state) this.patch({ state });
  }

  private async sendKeyPackage(): Promise<void> {
    const self = this.host.self();
    if (!self || this.member || !this.encrypted || this.offHeld) return;
    // ts-mls loads only when a meeting is encrypted, not with every page.
    const { MlsMember } = await import('./mls-member');
    if (this.member || !this.encrypted) return;
    const member = new MlsMember(self.id);
    const keyPackage = await member.createKeyPackage();
    this.member = member;
    await this.host.request('e2ee-key-package', { keyPackage });
    setTimeout(() => {
      if (this.closed || this.member !== member || member.inGroup) return;
      this.member = null;
      this.enqueue(() => this.sendKeyPackage());
    }, KEY_PACKAGE_RETRY_MS);
  }

  private async commitRequested(event: EventOf<'e2ee-commit-request'>): Promise<void> {
    const member = this.member;
    const self = this.host.self();
    if (!member || !self) return;
    this.rememberNames();
    const present = this.presentIds();
    if (event.create) {
      // A member is never asked to start over: that would split it from the group it is in.
      if (member.inGroup) return;
      const moderators = [self, ...this.host.participants()]
        .filter((p) => p.role === 'moderator')
        .map((p) => p.id);
      await member.createGroup(defaultPolicy(self.id, moderators));
    } else if (!member.inGroup || member.epoch !== event.epoch) {
      return;
    }
    const before = this.membersNow();
    // Never remove someone still in the meeting, unless they come back in this same commit (they lost the group).
    const readded = new Set(event.add.map((entry) => entry.participantId));
    const refusedRemovals = event.remove.filter((id) => present.has(id) && !readded.has(id));
    if (refusedRemovals.length > 0)
      this.raise({ kind: 'removed-present', names: refusedRemovals.map((id) => this.nameOf(id)) });
    const remove = event.remove.filter((id) => !refusedRemovals.includes(id));
    // Only people present may be added, and each only once (a second leaf under an id is a ghost).
    const staying = new Set(before.filter((id) => !remove.includes(id)));
    const add: typeof event.add = [];
    const duplicates: string[] = [];
    for (const entry of event.add) {
      if (!present.has(entry.participantId)) continue;
      if (staying.has(entry.participantId)) duplicates.push(entry.participantId);
      else {
        staying.add(entry.participantId);
        add.push(entry);
      }
    }
    if (duplicates.length > 0)
      this.raise({ kind: 'duplicate', names: duplicates.map((id) => this.nameOf(id)) });
    const pending = await member.commit(add, remove);
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
    try {
      await member.applyCommit(commit, (after) => this.checkRoster(before, after));
    } catch (error) {
      if (error instanceof RosterRefused) {
        this.raise(error.alarm);
        return;
      }
      this.lostGroup();
      return;
    }
    await this.installEpoch(before);
  }

  /**
   * A commit we could not process (garbage from the server or a member): we cannot follow the group
   * any more. Leave it and ask to be added again as a newcomer; meanwhile our media is held.
   */
  private lostGroup(): void {
    this.raise({ kind: 'commit-failed', names: [] });
    const now = Date.now();
    if (now - this.lastRejoin < REJOIN_INTERVAL_MS) return;
    this.lastRejoin = now;
    this.member?.leaveGroup();
    this.member = null;
    this.sendEpoch = null;
    this.epochInfo.clear();
    this.applyModes();
    this.updateUiState();
    this.enqueue(() => this.sendKeyPackage());
  }

  private async welcomed(welcome: string): Promise<void> {
    const member = this.member;
    if (!member || member.inGroup) return;
    try {
      await member.join(welcome, (after) => this.checkRoster(null, after));
    } catch (error) {
      if (error instanceof RosterRefused) this.raise(error.alarm);
      return;
    }
    await this.installEpoch(null);
  }

  /**
   * The roster a commit or welcome leads to must be exactly the people present: each identity once,
   * nobody added who is not here, nobody present removed. (A member who just left may still be in
   * it; the absence deadline covers them.)
   */
  private checkRoster(before: string[] | null, after: GroupMember[]): void {
    this.rememberNames();
    const ids = after.map((m) => m.participantId);
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) duplicates.add(id);
      seen.add(id);
    }
    if (duplicates.size > 0)
      throw new RosterRefused({ kind: 'duplicate', names: [...duplicates].map((id) => this.nameOf(id)) });
    const present = this.presentIds();
    if (before !== null) {
      const added = ids.filter((id) => !before.includes(id) && !present.has(id));
      if (added.length > 0)
        throw new RosterRefused({ kind: 'not-present', names: added.map((id) => this.nameOf(id)) });
      const removed = before.filter((id) => !seen.has(id) && present.has(id));
      if (removed.length > 0)
        throw new RosterRefused({ kind: 'removed-present', names: removed.map((id) => this.nameOf(id)) });
    }
    const self = this.host.self();
    if (self && !seen.has(self.id))
      throw new RosterRefused({ kind: 'removed-present', names: [self.displayName] });
  }

  private membersNow(): string[] {
    return this.member?.inGroup ? this.member.members().map((m) => m.participantId) : [];
  }

  /** The new epoch's keys go to the worker (receive at once, send on execute); then we report ready. */
  private async installEpoch(before: string[] | null): Promise<void> {
    const member = this.member;
    if (!member?.inGroup) return;
    const epoch = member.epoch;
    const baseKey = await member.sframeBaseKey();
    const roster = member.members();
    this.post({ type: 'epoch', epoch, baseKey, leaf: member.leaf, roster });
    const members = roster.map((m) => m.participantId);
    const code = await meetingCode(member.epochAuthenticator(), members);
    this.epochInfo.set(epoch, { members, code, reason: this.reason(before, members) });
    const self = this.host.self();
    const policy = member.policy();
    this.patch({
      mayDisable: self !== null && policy.off.includes(self.id),
      offPolicy: policy.off.map((id) => this.nameOf(id)),
    });
    this.clearAlarm('commit-failed');
    // Whether or not the server says `execute`, we switch to keys we hold within the deadline.
    if (this.executeTimer) clearTimeout(this.executeTimer);
    this.executeTimer = setTimeout(() => this.enqueue(async () => this.execute(epoch)), EXECUTE_DEADLINE_MS);
    await this.host.request('e2ee-ready', { epoch });
  }

  private reason(before: string[] | null, after: string[]): CodeReason {
    if (before === null || before.length === 0) return { kind: 'started' };
    const names = (ids: string[]) => ids.map((id) => this.nameOf(id));
    const joined = after.filter((id) => !before.includes(id));
    const left = before.filter((id) => !after.includes(id));
    if (joined.length > 0) return { kind: 'joined', names: names(joined) };
    if (left.length > 0) return { kind: 'left', names: names(left) };
    return { kind: 'changed' };
  }

  /** Our senders switch to `epoch`'s key: the code and roster shown are those of the keys in use. */
  private execute(epoch: number): void {
    const member = this.member;
    if (!member?.inGroup || member.epoch < epoch) return;
    if (this.sendEpoch !== null && this.sendEpoch >= epoch) return;
    if (member.epoch === epoch && this.executeTimer) {
      clearTimeout(this.executeTimer);
      this.executeTimer = null;
    }
    this.sendEpoch = epoch;
    this.post({ type: 'send-epoch', epoch });
    this.setWasEncrypted(true);
    const info = this.epochInfo.get(epoch);
    for (const old of this.epochInfo.keys()) if (old < epoch) this.epochInfo.delete(old);
    if (info) this.patch({ members: info.members, code: info.code, codeReason: info.reason });
    this.checkAbsent();
    this.applyModes();
    this.updateUiState();
  }

  /**
   * Members of the keys in use who are not in the meeting: each gets ABSENT_DEADLINE_MS to be
   * removed by a commit we switch to. After that our media is held and the alarm names them.
   */
  private checkAbsent(): void {
    const present = this.presentIds();
    const { members } = this.state.get();
    const inUse = this.sendEpoch !== null ? members : [];
    for (const [id, timer] of this.absent) {
      if (!inUse.includes(id) || present.has(id)) {
        clearTimeout(timer);
        this.absent.delete(id);
        this.overdue.delete(id);
      }
    }
    for (const id of inUse) {
      if (present.has(id) || this.absent.has(id)) continue;
      this.absent.set(
        id,
        setTimeout(() => this.enqueue(async () => this.absentTooLong(id)), ABSENT_DEADLINE_MS),
      );
    }
    if (this.overdue.size === 0) this.clearAlarm('rekey-overdue');
    else this.raise({ kind: 'rekey-overdue', names: [...this.overdue].map((id) => this.nameOf(id)) });
    this.applyModes();
    this.updateUiState();
  }

  private absentTooLong(id: string): void {
    if (!this.absent.has(id)) return;
    // Keys without them are installed but the server never said switch: switch now.
    const member = this.member;
    if (member?.inGroup && this.sendEpoch !== null && member.epoch > this.sendEpoch) {
      const info = this.epochInfo.get(member.epoch);
      if (info && !info.members.includes(id)) {
        this.execute(member.epoch);
        return;
      }
    }
    this.overdue.add(id);
    this.checkAbsent();
  }

  private async chatReceived(message: EventOf<'e2ee-chat-message'>['message']): Promise<void> {
    const member = this.member;
    const self = this.host.self();
    if (!member?.inGroup || !self) return;
    let sender: string;
    let text: string;
    let privateTo: string | null = null;
    try {
      const received = await member.decrypt(message.ciphertext);
      sender = received.sender;
      if (sender === self.id) return;
      const payload = parsePayload(received.plaintext);
      if (payload?.kind === 'poll') {
        this.host.pollMessage?.(sender, payload.message);
        return;
      }
      if (payload?.kind === 'poll-sealed') {
        // Sealed to the poll's creator: only they can open it.
        if (payload.to !== self.id) return;
        const opened = await member.openFrom(sender, payload.box);
        this.host.pollMessage?.(sender, JSON.parse(new TextDecoder().decode(opened)) as unknown);
        return;
      }
      if (payload?.kind === 'chat') text = payload.text;
      else if (payload?.kind === 'private') {
        // Sealed to one member's leaf: only the one it names can open it.
        if (payload.to !== self.id) return;
        text = new TextDecoder().decode(await member.openFrom(sender, payload.box));
        privateTo = self.id;
      } else return;
    } catch {
      return;
    }
    if (!text) return;
    this.host.chatMessage({
      id: message.id,
      // The author is the member MLS authenticated, not the server's `from`.
      from: sender,
      fromName: this.nameOf(sender),
      to: privateTo,
      text,
      sentAt: message.sentAt,
    });
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
