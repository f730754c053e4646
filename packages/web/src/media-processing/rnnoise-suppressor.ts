// Emitted as Parley's own hashed assets (listed in /client-manifest.json); nothing comes from a CDN.
import rnnoiseWasmUrl from '@sapphi-red/web-noise-suppressor/rnnoise.wasm?url';
import rnnoiseSimdWasmUrl from '@sapphi-red/web-noise-suppressor/rnnoise_simd.wasm?url';
import rnnoiseWorkletUrl from '@sapphi-red/web-noise-suppressor/rnnoiseWorklet.js?url';
import type { StartSuppressor } from './noise-chain';

type RnnoiseLibrary = typeof import('@sapphi-red/web-noise-suppressor');

/** How long the browser may take to let the audio context run. */
const RESUME_TIMEOUT_MS = 2_000;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** RNNoise works on 48 kHz audio in 10 ms frames. */
const SAMPLE_RATE = 48_000;

/** The WebAssembly binary, fetched once per page (the SIMD build where the browser has SIMD). */
let binary: Promise<ArrayBuffer> | null = null;
function wasmBinary(loadRnnoise: RnnoiseLibrary['loadRnnoise']): Promise<ArrayBuffer> {
  binary ??= loadRnnoise({ url: rnnoiseWasmUrl, simdUrl: rnnoiseSimdWasmUrl }).catch((error: unknown) => {
    binary = null; // try again next time
    throw error;
  });
  return binary;
}

/**
 * Cleans a microphone track with RNNoise in an AudioWorklet: microphone → RNNoise → a new track.
 * All of it runs in this browser, before the track is encoded (and encrypted, with E2EE on).
 */
export const startRnnoise: StartSuppressor = async (input) => {
  if (typeof AudioWorkletNode === 'undefined') throw new Error('AudioWorklet unsupported');
  // Loaded on first use: the library subclasses AudioWorkletNode as soon as it is evaluated, and
  // people who keep suppression off never download it.
  const { loadRnnoise, RnnoiseWorkletNode } = await import('@sapphi-red/web-noise-suppressor');
  const wasm = await wasmBinary(loadRnnoise);
  const context = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: 'interactive' });
  try {
    await context.audioWorklet.addModule(rnnoiseWorkletUrl);
    const source = context.createMediaStreamSource(new MediaStream([input]));
    // The worklet compiles its own copy of the binary (processor options are copied, not shared).
    const denoise = new RnnoiseWorkletNode(context, { maxChannels: 1, wasmBinary: wasm });
    // One channel in, one out: a microphone that comes as stereo is mixed down first. (Otherwise
    // only its left channel is cleaned, and mixing that with a silent right one halves the voice.)
    denoise.channelCount = 1;
    denoise.channelCountMode = 'explicit';
    const destination = context.createMediaStreamDestination();
    destination.channelCount = 1;
    source.connect(denoise).connect(destination);
    // The page was interacted with (joining is a click), so the context may run. A context the
    // browser keeps suspended would send silence: then fail, and the raw microphone is sent.
    await Promise.race([context.resume().catch(() => undefined), delay(RESUME_TIMEOUT_MS)]);
    if (context.state !== 'running') throw new Error(`audio context ${context.state}`);
    const output = destination.stream.getAudioTracks()[0];
    if (!output) throw new Error('no output track');
    return {
      input,
      output,
      close: () => {
        output.stop();
        source.disconnect();
        denoise.destroy();
        denoise.disconnect();
        void context.close().catch(() => undefined);
      },
    };
  } catch (error) {
    void context.close().catch(() => undefined);
    throw error;
  }
};
