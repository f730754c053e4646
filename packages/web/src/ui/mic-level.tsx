import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';

/** Level updates per second: enough to see speech, cheap on the CPU. */
const UPDATES_PER_SECOND = 15;

/**
 * A live meter of the microphone's loudness (0–100), so people see their microphone works before
 * they join. Reads the track through an AnalyserNode; nothing is recorded or sent.
 */
export function MicLevel({ track }: { track: MediaStreamTrack | null }) {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    setLevel(0);
    if (!track || typeof AudioContext === 'undefined') return;
    const context = new AudioContext();
    const source = context.createMediaStreamSource(new MediaStream([track]));
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const sample of samples) sum += sample * sample;
      const rms = Math.sqrt(sum / samples.length);
      // Speech sits around -40…-10 dBFS; map that range onto the meter.
      const db = 20 * Math.log10(rms || 1e-8);
      setLevel(Math.round(Math.max(0, Math.min(100, ((db + 60) / 50) * 100))));
    }, 1000 / UPDATES_PER_SECOND);
    return () => {
      clearInterval(timer);
      source.disconnect();
      void context.close();
    };
  }, [track]);
  return (
    <div class="device-select">
      <span id="mic-level-label">{t('prejoin.micLevel')}</span>
      <meter
        class="level-meter"
        data-testid="mic-level"
        aria-labelledby="mic-level-label"
        min={0}
        max={100}
        low={10}
        high={90}
        optimum={50}
        value={level}
      />
    </div>
  );
}
