/** Codes of the API in the courier's words (the catalog keys that say them). */
import type { ResultSubject } from './device-store';
import type { MessageKey } from './i18n/en';
import type { ScanOutcome } from './wire';

export const SUBJECT_WORDS: Record<ResultSubject, MessageKey> = {
  pickup: 'action_pickup',
  hub_in: 'action_hub_in',
  hub_out: 'action_hub_out',
  out_for_delivery: 'action_out_for_delivery',
  delivered: 'action_delivered',
  failed_attempt: 'action_failed_attempt',
  cod_collected: 'result_cash',
  photo: 'result_photo',
};

export const OUTCOME_WORDS: Record<ScanOutcome, MessageKey> = {
  applied: 'outcome_applied',
  duplicate: 'outcome_duplicate',
  late: 'outcome_late',
  rejected: 'outcome_rejected',
};

/** Refusals a courier meets, in words; any other code is said generically. */
const REFUSALS = new Map<string, MessageKey>([
  ['not_found', 'refusal_not_found'],
  ['illegal_transition', 'refusal_illegal_transition'],
  ['proof_required', 'refusal_proof_required'],
  ['validation_failed', 'refusal_validation_failed'],
  ['courier_inactive', 'refusal_courier_inactive'],
  ['unsupported_media_type', 'refusal_unsupported_media_type'],
  ['payload_too_large', 'refusal_payload_too_large'],
  ['idempotency_conflict', 'refusal_idempotency_conflict'],
  ['forbidden', 'refusal_forbidden'],
]);

export function refusalWords(code: string | undefined): MessageKey {
  return (code === undefined ? undefined : REFUSALS.get(code)) ?? 'refusal_other';
}
