import { useEffect, useRef, useState } from 'preact/hooks';
import { type LowDataSettings, lowData, setLowData } from '../../conference/low-data';
import { t } from '../../i18n';
import { useStore } from '../../state/store';
import { CameraIcon } from '../../ui/icons';
import { GaugeIcon, VideoReceiveIcon } from '../../ui/low-data-icons';
import { ToggleButton } from '../../ui/toggle-button';

/**
 * Low-data mode in the toolbar (behind "More" on phones): receiving others' video or audio only
 * (`receive-video`, always one click away), and a small menu (`low-data-toggle`) with the data saver
 * (`data-saver`: others' video at the lowest quality) and sending one's own camera (`send-video`).
 * Each is remembered on this device.
 */
export function LowDataToggles() {
  const settings = useStore(lowData);
  return (
    <>
      <ToggleButton
        testId="receive-video"
        label={t('lowData.receiveVideo')}
        description={settings.receiveVideo ? t('lowData.receiveVideoOn') : t('lowData.receiveVideoOff')}
        on={settings.receiveVideo}
        onToggle={() => setLowData({ receiveVideo: !settings.receiveVideo })}
        icon={<VideoReceiveIcon off={!settings.receiveVideo} />}
        warnWhenOff
      />
      <LowDataMenu settings={settings} />
    </>
  );
}

const LOW_DATA_MENU_ID = 'low-data-menu';

/** The less frequent data-saving switches, in a row that opens above the button; Escape closes it. */
function LowDataMenu({ settings }: { settings: LowDataSettings }) {
  const [open, setOpen] = useState(false);
  const menuRef = useRef<HTMLFieldSetElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (open) menuRef.current?.querySelector('button')?.focus();
  }, [open]);
  const saving = settings.dataSaver || !settings.sendVideo;
  return (
    <div class="reactions low-data-menu">
      <button
        ref={buttonRef}
        type="button"
        class={open || saving ? 'control control--active' : 'control'}
        data-testid="low-data-toggle"
        aria-expanded={open}
        aria-controls={LOW_DATA_MENU_ID}
        aria-label={t('lowData.menu')}
        title={t('lowData.menu')}
        onClick={() => setOpen(!open)}
      >
        <GaugeIcon />
        <span class="control__label" aria-hidden="true">
          {t('lowData.menu')}
        </span>
      </button>
      {open && (
        <fieldset
          ref={menuRef}
          id={LOW_DATA_MENU_ID}
          class="reactions__menu low-data-menu__row"
          aria-label={t('lowData.menu')}
          onKeyDown={(event) => {
            if (event.key !== 'Escape') return;
            setOpen(false);
            buttonRef.current?.focus();
          }}
        >
          <ToggleButton
            testId="data-saver"
            label={t('lowData.dataSaver')}
            description={settings.dataSaver ? t('lowData.dataSaverOn') : t('lowData.dataSaverOff')}
            on={settings.dataSaver}
            onToggle={() => setLowData({ dataSaver: !settings.dataSaver })}
            icon={<GaugeIcon />}
          />
          <ToggleButton
            testId="send-video"
            label={t('lowData.sendVideo')}
            description={settings.sendVideo ? t('lowData.sendVideoOn') : t('lowData.sendVideoOff')}
            on={settings.sendVideo}
            onToggle={() => setLowData({ sendVideo: !settings.sendVideo })}
            icon={<CameraIcon off={!settings.sendVideo} />}
            warnWhenOff
          />
        </fieldset>
      )}
    </div>
  );
}

/** What low-data mode is doing now, in words, in the meeting's header (`low-data-state`). */
export function lowDataSummary(settings: LowDataSettings): string | null {
  const parts: string[] = [];
  if (!settings.receiveVideo) parts.push(t('lowData.audioOnly'));
  else if (settings.dataSaver) parts.push(t('lowData.dataSaverBadge'));
  if (!settings.sendVideo) parts.push(t('lowData.notSending'));
  return parts.length === 0 ? null : parts.join(' · ');
}

export function LowDataBadge() {
  const settings = useStore(lowData);
  const summary = lowDataSummary(settings);
  if (summary === null) return null;
  return (
    <span
      class="low-data-badge"
      role="status"
      data-testid="low-data-state"
      data-receive-video={settings.receiveVideo ? 'on' : 'off'}
      data-data-saver={settings.dataSaver ? 'on' : 'off'}
      data-send-video={settings.sendVideo ? 'on' : 'off'}
    >
      {settings.receiveVideo ? <GaugeIcon /> : <VideoReceiveIcon off />}
      {summary}
    </span>
  );
}
