import { STEPS, stepIndex, STATUS_TONE } from './words';
import type { OrderStatus } from './wire';
import { useText } from './text';

/**
 * The main path as a bar of steps, done up to the order's step (an exception status shows the furthest step
 * reached). `labelled` names each step under the bar (the order view); the list's rows show the bar alone.
 */
export function Progress({ status, furthest, labelled = false }: { status: OrderStatus; furthest: number; labelled?: boolean }) {
  const { t, formats } = useText();
  const current = stepIndex(status) >= 0 ? stepIndex(status) : furthest;
  const label = t('order_progress', { step: formats.formatNumber(current + 1), count: formats.formatNumber(STEPS.length), name: t(`step_${STEPS[current]!}`) });
  return (
    <ol class={`progress tone-${STATUS_TONE[status]}${labelled ? ' labelled' : ''}`} aria-label={label}>
      {STEPS.map((step, index) => (
        <li key={step} class={`step${index <= current ? ' done' : ''}`} aria-current={index === current ? 'step' : undefined}>
          {labelled && <span class="step-label">{t(`step_${step}`)}</span>}
        </li>
      ))}
    </ol>
  );
}
