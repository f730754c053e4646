/**
 * A test microphone signal: a voiced, speech-like sound (a 180 Hz fundamental with four harmonics,
 * switched on and off twice a second like syllables) plus steady white noise, as a 48 kHz
 * 16-bit mono WAV file for Chromium's `--use-file-for-fake-audio-capture`. The voice lies below
 * 1 kHz, so energy between 2.5 and 6 kHz is noise only (and inside even a wideband codec's range).
 */
export const VOICE_HARMONICS_HZ = [180, 360, 540, 720, 900];
export const NOISE_BAND_HZ: [number, number] = [2500, 6000];
const SAMPLE_RATE = 48_000;

export function noisyVoiceWav(seconds = 8, noiseRms = 0.06): Buffer {
  const samples = SAMPLE_RATE * seconds;
  const pcm = Buffer.alloc(samples * 2);
  let seed = 0x2545f491; // fixed: the same file every run
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x1_0000_0000;
  };
  for (let i = 0; i < samples; i++) {
    const t = i / SAMPLE_RATE;
    // Syllables: 300 ms of voice in every 500 ms, with soft edges.
    const phase = (t * 2) % 1;
    const envelope = phase < 0.6 ? Math.sin((Math.PI * phase) / 0.6) ** 0.5 : 0;
    let voice = 0;
    VOICE_HARMONICS_HZ.forEach((f, k) => {
      voice += Math.sin(2 * Math.PI * f * t) / (k + 1);
    });
    // Gaussian-ish white noise: the sum of four uniform draws, scaled to the wanted RMS.
    const noise = (random() + random() + random() + random() - 2) * Math.sqrt(3) * noiseRms;
    const value = 0.18 * envelope * voice + noise;
    pcm.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(value * 32767))), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * 2, 28); // bytes per second
  header.writeUInt16LE(2, 32); // bytes per frame
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}
