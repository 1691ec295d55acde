import type { ShownResult } from './device-store';
import { useText } from './text';
import { OUTCOME_WORDS, refusalWords, SUBJECT_WORDS } from './words';

/** Results shown at once: the latest few, enough to see what the last sends did. */
const SHOWN = 3;

/** The server's answers to the latest actions, a refusal with its reason in words. */
export function Results({ results }: { results: ShownResult[] }) {
  const { t, formats } = useText();
  if (results.length === 0) return null;
  return (
    <section class="results" aria-label={t('results_title')}>
      <ul>
        {results.slice(0, SHOWN).map((result) => (
          <li key={result.event_id} class={`result ${result.outcome}`} data-testid="scan-result" data-outcome={result.outcome} data-order-id={result.order_id}>
            <span class="result-head">
              <span>
                {t(SUBJECT_WORDS[result.what])}: {t(OUTCOME_WORDS[result.outcome])}
              </span>
              <time dateTime={new Date(result.at).toISOString()}>{formats.formatTime(new Date(result.at).toISOString())}</time>
            </span>
            <bdi class="ref">{result.order_ref}</bdi>
            {result.outcome === 'rejected' && <span class="result-reason">{t(refusalWords(result.code))}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
