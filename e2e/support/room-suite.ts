import { afterAll, afterEach, beforeAll } from 'vitest';
import { waitFor } from './browser.js';
import { type BrowserName, Browsers, byTestId, type OpenOptions, type Person } from './person.js';
import { type RunningServer, type StartOptions, startServer } from './server.js';

/**
 * The room tests' set-up, for any browser (see person.ts): a built Parley server with one
 * administrator, browsers started when first used, everyone's page closed after each test, and a
 * report of every open page when a test fails.
 */
export interface RoomSuite {
  server: RunningServer;
  host: { username: string; password: string };
  /** A new person with their own browser profile, in the suite's browser unless another is named. */
  open(browser?: BrowserName, options?: OpenOptions): Promise<Person>;
  signIn(person: Person, username: string, password: string): Promise<void>;
}

export function roomSuite(
  host: { username: string; password: string },
  browser: BrowserName,
  options: StartOptions = {},
  /** More environment for the server (see e2e/support/server.ts). */
  env: () => Record<string, string> = () => ({}),
): RoomSuite {
  const people: Person[] = [];
  let browsers: Browsers | undefined;
  const suite: RoomSuite = {
    host,
    server: undefined as unknown as RunningServer,
    async open(name = browser, options = {}) {
      if (!browsers) throw new Error('roomSuite: open() before the suite started');
      const person = await browsers.open(name, options);
      people.push(person);
      return person;
    },
    async signIn(person, username, password) {
      await person.goto('/login');
      await person.fill(byTestId('login-username'), username);
      await person.fill(byTestId('login-password'), password);
      await person.click(byTestId('login-submit'));
      await person.waitFor(byTestId('logout'));
    },
  };
  beforeAll(async () => {
    suite.server = await startServer(env(), options);
    await suite.server.addUser(host.username, host.password, true);
    browsers = new Browsers(() => suite.server.url);
  });
  // Registered before the failure report: after-hooks run in reverse order, so the report still
  // sees the pages; then each test's people leave, so they do not load the machine during the next.
  afterEach(async () => {
    for (const person of people.splice(0)) await person.close().catch(() => {});
  });
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    for (const person of people) {
      if (person.isClosed()) continue;
      const text = await person
        .evaluate(() => document.body.textContent ?? '')
        .catch((error: Error) => `(unreadable: ${error.message})`);
      console.error(`--- ${person.browser} page ${person.url()}\n${text.slice(0, 1500)}`);
    }
    console.error(`--- server output (end)\n${suite.server?.output().slice(-4000) ?? '(no server)'}`);
  });
  afterAll(async () => {
    for (const person of people.splice(0)) await person.close().catch(() => {});
    await browsers?.close();
    await suite.server?.stop();
  });
  return suite;
}

/** Opens the room's pre-join screen (or an invitation link), types the name and clicks join. */
export async function enter(
  person: Person,
  path: string,
  name: string,
  options: { camera?: boolean } = {},
): Promise<void> {
  await person.goto(path.startsWith('/') || path.startsWith('http') ? path : `/room/${path}`);
  // Signed in, the field is read-only until the username is filled in; typed earlier, it would be
  // overwritten (seen in Firefox, whose fill does not wait for the field to be editable).
  await waitFor(
    () =>
      person.evaluate(
        (selector: string) => document.querySelector<HTMLInputElement>(selector)?.readOnly === false,
        byTestId('display-name'),
      ),
    (editable) => editable,
    'the name field takes typing',
  );
  await person.fill(byTestId('display-name'), name);
  if (options.camera === false && (await person.attribute(byTestId('toggle-camera'), 'data-state')) === 'on')
    await person.click(byTestId('toggle-camera'));
  await person.click(byTestId('join'));
}

/** Opens a side panel by its toggle unless it is open already. */
export async function openPanel(
  person: Person,
  toggle: 'participants-toggle' | 'security-toggle' | 'chat-toggle',
): Promise<void> {
  if ((await person.attribute(byTestId(toggle), 'aria-expanded')) !== 'true')
    await person.click(byTestId(toggle));
}

/** Waits until the element's attribute has the wanted value. */
export async function attributeBecomes(
  person: Person,
  selector: string,
  name: string,
  wanted: string,
  timeoutMs?: number,
): Promise<void> {
  await waitFor(
    () => person.attribute(selector, name),
    (value) => value === wanted,
    `${selector} ${name}=${wanted}`,
    timeoutMs,
  );
}

/**
 * Frames shown by the <video> inside the given tile. Firefox leaves getVideoPlaybackQuality() at 0
 * for a MediaStream, so frames presented are also counted with requestVideoFrameCallback (both
 * browsers have it), from the first time this is asked on.
 */
export function framesShown(person: Person, tileSelector: string): Promise<number> {
  return person.evaluate((selector: string) => {
    const video = document.querySelector<HTMLVideoElement>(`${selector} video`) as
      | (HTMLVideoElement & { __framesPresented?: number })
      | null;
    if (!video) return 0;
    if (video.__framesPresented === undefined) {
      video.__framesPresented = 0;
      const count = () => {
        video.__framesPresented = (video.__framesPresented ?? 0) + 1;
        video.requestVideoFrameCallback(count);
      };
      video.requestVideoFrameCallback(count);
    }
    return Math.max(video.getVideoPlaybackQuality().totalVideoFrames, video.__framesPresented);
  }, tileSelector);
}

/** Frames of the tile's video keep increasing: the person sees moving video. */
export async function videoKeepsPlaying(
  person: Person,
  tileSelector: string,
  timeoutMs = 20_000,
): Promise<void> {
  const first = await waitFor(
    () => framesShown(person, tileSelector),
    (n) => n > 0,
    `first frame in ${tileSelector} (${person.browser})`,
    timeoutMs,
  );
  try {
    await waitFor(
      () => framesShown(person, tileSelector),
      (n) => n >= first + 10,
      `more frames in ${tileSelector} (${person.browser})`,
      timeoutMs,
    );
  } catch (error) {
    // Where the frames stopped: at the network, the frame decryption or the decoder.
    const seen = await receivingDiagnosis(person).catch((cause) => `no diagnosis: ${String(cause)}`);
    throw new Error(`${(error as Error).message}\n${seen}`);
  }
}

/** Inbound video counters of every open peer connection and the E2EE worker's frame counters. */
async function receivingDiagnosis(person: Person): Promise<string> {
  return person.evaluate(async () => {
    const lines: string[] = [];
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      report.forEach((stat: Record<string, unknown>) => {
        if (stat.type !== 'inbound-rtp' || stat.kind !== 'video') return;
        const keys = ['ssrc', 'packetsReceived', 'packetsLost', 'framesReceived', 'framesDecoded'];
        keys.push('keyFramesDecoded', 'framesDropped', 'pliCount', 'firCount', 'nackCount');
        lines.push(`inbound video ${keys.map((key) => `${key}=${String(stat[key])}`).join(' ')}`);
      });
    }
    const stats = (globalThis as { __parleyE2eeStats?: () => Promise<unknown> }).__parleyE2eeStats;
    if (stats) lines.push(`e2ee frames ${JSON.stringify(await stats())}`);
    return lines.join('\n');
  });
}

/** One received audio RTP stream as the person's browser reports it. */
export interface InboundAudio {
  ssrc: number;
  packetsReceived: number;
  /** Sum of squared sample levels × duration: grows only while sound (not silence) is played out. */
  totalAudioEnergy: number;
  totalSamplesReceived: number;
  /** Samples the receiver made up because nothing decodable arrived (lost, late or undecryptable). */
  concealedSamples: number;
}

/** The inbound audio streams of every open peer connection of the page (window.__pcs). */
export function inboundAudio(person: Person): Promise<InboundAudio[]> {
  return person.evaluate(async () => {
    const streams: InboundAudio[] = [];
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      // biome-ignore lint/suspicious/noExplicitAny: getStats reports are loosely typed dictionaries.
      stats.forEach((report: any) => {
        if (report.type !== 'inbound-rtp' || report.kind !== 'audio') return;
        streams.push({
          ssrc: report.ssrc,
          packetsReceived: report.packetsReceived ?? 0,
          totalAudioEnergy: report.totalAudioEnergy ?? 0,
          totalSamplesReceived: report.totalSamplesReceived ?? 0,
          concealedSamples: report.concealedSamples ?? 0,
        });
      });
    }
    return streams;
  });
}

/**
 * At least `senders` distinct audio streams arrive and keep arriving with sound in them: packets grow,
 * their decoded energy grows (the fake microphones of both browsers play tones, not silence), and
 * most of what is played out was decoded, not concealed (frames that fail to decrypt are concealed).
 */
export async function hearsOthers(person: Person, senders: number, timeoutMs = 20_000): Promise<void> {
  const before = new Map((await inboundAudio(person)).map((stream) => [stream.ssrc, stream]));
  await waitFor(
    () => inboundAudio(person),
    (streams) =>
      streams.filter((stream) => {
        const earlier = before.get(stream.ssrc);
        const samples = stream.totalSamplesReceived - (earlier?.totalSamplesReceived ?? 0);
        const concealed = stream.concealedSamples - (earlier?.concealedSamples ?? 0);
        return (
          stream.packetsReceived >= (earlier?.packetsReceived ?? 0) + 50 &&
          stream.totalAudioEnergy > (earlier?.totalAudioEnergy ?? 0) &&
          (samples === 0 || concealed < samples / 2)
        );
      }).length >= senders,
    `${senders} audio stream(s) with sound at ${person.browser}`,
    timeoutMs,
  );
}

/**
 * Keeps every text message the page sends on its WebSockets, readable with `socketSent`; a message
 * containing `drop` is swallowed instead of sent (a browser whose messages of one kind never arrive).
 * In the page, so it works the same in every browser: what the app hands to WebSocket.send is what
 * leaves the browser on that socket.
 */
export async function watchSocketSends(person: Person, drop: string | null = null): Promise<void> {
  await person.addInitScript((dropped: string | null) => {
    const sent: string[] = [];
    (window as unknown as { __socketSent: string[] }).__socketSent = sent;
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket, data) {
      if (typeof data === 'string') {
        if (dropped !== null && data.includes(dropped)) return;
        sent.push(data);
      }
      send.call(this, data);
    };
  }, drop);
}

export function socketSent(person: Person): Promise<string[]> {
  return person.evaluate(() => (window as unknown as { __socketSent?: string[] }).__socketSent ?? []);
}

/** Every sending and receiving media transceiver of the page, and how many carry an encoded transform. */
export async function encodedTransforms(
  person: Person,
): Promise<{ senders: number; receivers: number; missing: number }> {
  return person.evaluate(() => {
    let senders = 0;
    let receivers = 0;
    let missing = 0;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      for (const transceiver of pc.getTransceivers()) {
        if (transceiver.currentDirection === 'sendonly') {
          senders++;
          if (!(transceiver.sender as { transform?: unknown }).transform) missing++;
        } else if (transceiver.currentDirection === 'recvonly') {
          receivers++;
          if (!(transceiver.receiver as { transform?: unknown }).transform) missing++;
        }
      }
    }
    return { senders, receivers, missing };
  });
}
