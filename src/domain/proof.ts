import type { Locale } from './locale';

/** A place, as events record it (order.ts's LatLng; repeated here so the two files do not import each other). */
interface Place {
  lat: number;
  lng: number;
}

/** What of an event the order's proof is read from. */
export interface ProofEvent {
  applied: boolean;
  status: string;
  occurred_at: string;
  location: Place | null;
  proof?: EventProof;
}

/** Why a delivery attempt failed (API.md "Proof of delivery"). */
export const FAIL_REASONS = ['not_home', 'refused', 'address_not_found', 'access_denied', 'damaged', 'other'] as const;
export type FailReason = (typeof FAIL_REASONS)[number];

/**
 * Each reason in words, for alerts, in each language: in English as the clause after "could not deliver your order
 * …:", in Chinese and Arabic as what follows "原因：" and "السبب:".
 */
export const FAIL_REASON_WORDS: Record<Locale, Record<FailReason, string>> = {
  en: {
    not_home: 'nobody was home',
    refused: 'the delivery was refused',
    address_not_found: 'the address could not be found',
    access_denied: 'the courier could not get access',
    damaged: 'the parcel was damaged',
    other: 'something else prevented it',
  },
  'zh-HK': {
    not_home: '無人應門',
    refused: '收件人拒收',
    address_not_found: '找不到送貨地址',
    access_denied: '送貨員無法進入大廈或地點',
    damaged: '包裹已損壞',
    other: '其他原因',
  },
  ar: {
    not_home: 'لم يكن أحد في المنزل',
    refused: 'رُفض استلام الشحنة',
    address_not_found: 'تعذّر العثور على العنوان',
    access_denied: 'تعذّر على المندوب الوصول إلى المكان',
    damaged: 'تضرّرت الشحنة',
    other: 'حال سبب آخر دون التسليم',
  },
};

/** What a proof may be required to hold (tenant setting `proof_required`). */
export const PROOF_PARTS = ['signature', 'photo', 'recipient_name'] as const;
export type ProofPart = (typeof PROOF_PARTS)[number];

/** At most this many photos on one delivery: enough for the parcel and where it was left. */
export const MAX_PROOF_PHOTOS = 4;

/** A proof of delivery as a `delivered` scan or status post carries it: attachment ids, not yet checked. */
export interface ProofInput {
  recipient_name?: string;
  signature?: string;
  photos?: string[];
  note?: string;
}

/** The proof a delivered event records: its attachments and the SHA-256 of each as it was stored. */
export interface EventProof {
  recipient_name: string | null;
  note: string | null;
  signature: string | null;
  photos: string[];
  /** Tamper evidence: the hex SHA-256 of each attachment's stored bytes, by attachment id. */
  sha256: Record<string, string>;
}

/** The order's `proof` as the order resource shows it (urls are signed at read time). */
export interface ProofView {
  recipient_name: string | null;
  note: string | null;
  signature: { id: string; url: string } | null;
  photos: Array<{ id: string; url: string }>;
  at: string;
  location: Place | null;
  sha256: Record<string, string>;
}

/** The required parts a proof lacks (empty: it satisfies the tenant's `proof_required`). */
export function missingProof(required: readonly ProofPart[], proof: ProofInput | undefined): ProofPart[] {
  return required.filter((part) => {
    if (part === 'signature') return !proof?.signature;
    if (part === 'photo') return !proof?.photos || proof.photos.length === 0;
    return !proof?.recipient_name?.trim();
  });
}

/** The attachment ids a proof names, signature first. */
export function proofAttachmentIds(proof: ProofInput): string[] {
  return [...(proof.signature ? [proof.signature] : []), ...(proof.photos ?? [])];
}

/** The applied `delivered` event of a history that carries a proof (the newest, should there be several). */
export function deliveredProofEvent<E extends ProofEvent>(history: readonly E[]): (E & { proof: EventProof }) | null {
  for (let index = history.length - 1; index >= 0; index--) {
    const event = history[index]!;
    if (event.applied && event.status === 'delivered' && event.proof) return event as E & { proof: EventProof };
  }
  return null;
}

/** The order's `proof` from its delivered event, each attachment's link made by `urlOf`. */
export function proofView(event: ProofEvent & { proof: EventProof }, urlOf: (attachmentId: string) => string): ProofView {
  const { proof } = event;
  return {
    recipient_name: proof.recipient_name,
    note: proof.note,
    signature: proof.signature ? { id: proof.signature, url: urlOf(proof.signature) } : null,
    photos: proof.photos.map((id) => ({ id, url: urlOf(id) })),
    at: event.occurred_at,
    location: event.location,
    sha256: proof.sha256,
  };
}
