import { useEffect, useRef, useState } from 'preact/hooks';
import { openScanner, type Scanner } from './camera';
import type { MessageKey } from './i18n/en';
import { useText } from './text';

interface ScanBarProps {
  /** A code typed or read by the camera. */
  onCode: (code: string) => void;
  /** The camera could not be used (said in words; the typed code still works). */
  onTrouble: (key: MessageKey) => void;
}

/**
 * The bottom bar, where a thumb reaches: a label's code typed, or read by the camera into the box above the bar
 * (the camera reader fills it with its video).
 */
export function ScanBar({ onCode, onTrouble }: ScanBarProps) {
  const { t } = useText();
  const [code, setCode] = useState('');
  const [camera, setCamera] = useState<'off' | 'starting' | 'on'>('off');
  const host = useRef<HTMLDivElement>(null);
  const scanner = useRef<Scanner | null>(null);

  const stopCamera = (): void => {
    scanner.current?.stop();
    scanner.current = null;
    setCamera('off');
  };
  useEffect(() => () => scanner.current?.stop(), []);

  // The reader starts once its box is shown, so the video it puts there has a size to fill.
  useEffect(() => {
    if (camera !== 'starting') return;
    let cancelled = false;
    openScanner({
      host: host.current!,
      onCode: (text) => {
        stopCamera();
        onCode(text);
      },
    }).then(
      (started) => {
        if (cancelled) {
          started.stop();
          return;
        }
        scanner.current = started;
        setCamera('on');
      },
      (error: unknown) => {
        if (cancelled) return;
        setCamera('off');
        const name = error instanceof Error ? error.name : '';
        onTrouble(name === 'NotAllowedError' ? 'camera_denied' : name === 'NotFoundError' ? 'camera_missing' : 'camera_unsupported');
      },
    );
    return () => {
      cancelled = true;
    };
  }, [camera === 'starting']);

  const submit = (event: Event): void => {
    event.preventDefault();
    const typed = code.trim();
    if (!typed) return;
    setCode('');
    onCode(typed);
  };

  return (
    <div class="scanbar">
      <div class={`camera-box${camera === 'off' ? '' : ' open'}`} hidden={camera === 'off'}>
        <div class="camera-host" ref={host} data-testid="camera-host" />
        <button type="button" class="button subtle wide" onClick={stopCamera}>
          {t('camera_stop')}
        </button>
      </div>
      <form class="scan-form" onSubmit={submit}>
        <label class="visually-hidden" for="scan-code">
          {t('scan_label')}
        </label>
        <input
          id="scan-code"
          data-testid="scan-input"
          type="text"
          dir="ltr"
          enterkeyhint="go"
          autocomplete="off"
          autocapitalize="off"
          spellcheck={false}
          placeholder={t('scan_placeholder')}
          value={code}
          onInput={(event) => setCode(event.currentTarget.value)}
        />
        <button type="submit" class="button primary" data-testid="scan-submit">
          {t('scan_submit')}
        </button>
        <button
          type="button"
          class="button camera"
          data-testid="scan-camera"
          aria-label={t('camera_open')}
          title={t('camera_open')}
          disabled={camera !== 'off'}
          onClick={() => setCamera('starting')}
        >
          <span class="camera-icon" aria-hidden="true" />
        </button>
      </form>
    </div>
  );
}
