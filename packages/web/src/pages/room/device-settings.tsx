import { useEffect, useState } from 'preact/hooks';
import { audioOutput, canChooseAudioOutput } from '../../conference/audio-output';
import type { LocalMedia } from '../../conference/local-media';
import { type MessageKey, t } from '../../i18n';
import { useStore } from '../../state/store';
import { MicLevel } from '../../ui/mic-level';
import { BackgroundSelect } from './background-select';

/** The devices of one kind the browser lists (with names once a permission was granted). */
function useDevices(local: LocalMedia): MediaDeviceInfo[] {
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  useEffect(() => {
    const mediaDevices = navigator.mediaDevices;
    if (!mediaDevices?.enumerateDevices) return;
    let live = true;
    const list = () =>
      mediaDevices
        .enumerateDevices()
        .then((found) => live && setDevices(found.filter((d) => d.deviceId !== '')))
        .catch(() => undefined);
    void local.ready.then(list);
    mediaDevices.addEventListener?.('devicechange', list);
    return () => {
      live = false;
      mediaDevices.removeEventListener?.('devicechange', list);
    };
  }, [local]);
  return devices;
}

/** Camera, microphone and loudspeaker choice with a live microphone level, for the pre-join screen. */
export function DeviceSettings({ local }: { local: LocalMedia }) {
  const media = useStore(local.state);
  const output = useStore(audioOutput);
  const devices = useDevices(local);
  const cameras = devices.filter((d) => d.kind === 'videoinput');
  const mics = devices.filter((d) => d.kind === 'audioinput');
  const speakers = canChooseAudioOutput() ? devices.filter((d) => d.kind === 'audiooutput') : [];
  return (
    <fieldset class="devices">
      <legend class="devices__title">{t('prejoin.devices')}</legend>
      {cameras.length > 0 && (
        <DeviceSelect
          id="camera-select"
          label="prejoin.cameraSelect"
          devices={cameras}
          value={local.deviceIdOf('camera') ?? ''}
          onChange={(id) => void local.chooseDevice('camera', id)}
        />
      )}
      <BackgroundSelect local={local} id="background-select" />
      {mics.length > 0 && (
        <DeviceSelect
          id="mic-select"
          label="prejoin.micSelect"
          devices={mics}
          value={local.deviceIdOf('mic') ?? ''}
          onChange={(id) => void local.chooseDevice('mic', id)}
        />
      )}
      <MicLevel track={media.mic.on ? media.mic.track : null} />
      {speakers.length > 0 && (
        <DeviceSelect
          id="speaker-select"
          label="prejoin.speakerSelect"
          devices={speakers}
          value={output ?? 'default'}
          onChange={(id) => audioOutput.set(id)}
        />
      )}
    </fieldset>
  );
}

interface DeviceSelectProps {
  id: string;
  label: MessageKey;
  devices: MediaDeviceInfo[];
  value: string;
  onChange: (deviceId: string) => void;
}

function DeviceSelect({ id, label, devices, value, onChange }: DeviceSelectProps) {
  return (
    <div class="device-select">
      <label for={id}>{t(label)}</label>
      <select
        id={id}
        data-testid={id}
        value={value}
        onChange={(event) => onChange(event.currentTarget.value)}
      >
        {devices.map((device, index) => (
          <option key={device.deviceId} value={device.deviceId}>
            {device.label || t('prejoin.deviceNumbered', { device: t(label), number: index + 1 })}
          </option>
        ))}
      </select>
    </div>
  );
}
