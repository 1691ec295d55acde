import { textColorOn } from '../../domain/branding';
import type { LatLng } from '../../domain/order';
import type { FailReason, ProofView } from '../../domain/proof';
import type { OrderStatus } from '../../domain/status';
import { courierShownToCustomer, type TrackingView, type TrackingViewWithHistory } from '../../domain/tracking-view';
import type { CourierLocationUpdate, EtaUpdate, OrderArriving, OrderStatusUpdate, SubscribedOrder } from '../../gateways/events';
import type { Language } from '../shared/i18n';
import type { PushOptions } from '../shared/push-client';
import type { PageSettings } from '../shared/settings';
import { CourierMap } from './courier-map';
import { fill, h, phrase } from './dom';
import type { MessageKey } from './i18n/en';
import { LanguagePicker } from './language-picker';
import { LiveBadge, type LiveState } from './live-badge';
import { ProofPanel } from './proof-panel';
import { PushToggle, type PushControl } from './push-toggle';
import { statusTitle, stepIndex } from './statuses';
import { StatusPanel } from './status-panel';
import type { Text } from './text';
import { Timeline } from './timeline';
import { ViewRefresh } from './view-refresh';

/** The order as `GET /v1/orders/:id` answers a tracking link: its tracking view (API.md "Tracking links"). */
export type OrderWithHistory = TrackingViewWithHistory;

/** A courier's position and when it was taken. */
interface Position extends LatLng {
  at: string;
}

/** What the page needs besides the order and its node's settings. */
export interface TrackingPageOptions {
  /** Reads the order's view again (`GET /v1/orders/:id` with the link's token). */
  readView: () => Promise<OrderWithHistory>;
  /** The page's words and formats. */
  text: Text;
  /** A language picked on the page; the page is told the new words with {@link TrackingPage.setText}. */
  onLanguage: (language: Language) => void;
  /** Web Push for this order's alerts on this device. */
  push: PushOptions;
  /** @default the browser's Web Push (shared/push-client.ts) */
  pushControl?: PushControl;
}

/** Statuses whose live update leaves out what the page shows of them: a delivery's proof, a failed attempt's reason. */
const DETAILED: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['delivered', 'failed_attempt']);

/**
 * How long after a read the proof's links surely still work: they are signed for an hour (API.md "Proof of
 * delivery"). A picture that fails later is read again with new links; one that fails sooner is not coming.
 */
const LINKS_FRESH_MS = 50 * 60_000;

/**
 * The tracking page of one order: it holds what the page knows (the order, the newest applied event, the
 * courier's position, the proof of delivery) and keeps the status panel, proof, map and timeline in step with it.
 * Events come in seq order (first the history, then the live client's updates); an event already shown is ignored.
 * A live update of a delivery or a failed attempt lacks its proof or reason: the page then reads its view again.
 * Every word on it is said again when another language is picked, and nothing it shows is fetched again for that.
 */
export class TrackingPage {
  private readonly live: LiveBadge;
  private order: TrackingView;
  private status: OrderStatus;
  private seq: number;
  private since: string;
  private furthestStep = 0;
  private courier: Position | null;
  /** The newest applied event's reason (a failed attempt's), when the page has read it. */
  private reason: FailReason | null;
  private proof: ProofView | null;
  /** When the proof's links were read (ms since the epoch). */
  private linksReadAt = Date.now();
  /** The version of the newest view read with its history, and the newest event that needs one. */
  private viewSeq: number;
  private detailsSeq = 0;
  private linksExpired = false;
  private readonly refresh: ViewRefresh;
  private current: Text;
  private readonly panel: StatusPanel;
  private readonly proofPanel: ProofPanel;
  private readonly timeline: Timeline;
  private readonly map: CourierMap;
  private readonly picker: LanguagePicker;
  private readonly pushToggle: PushToggle;
  private readonly brand = h('p', { class: 'brand' });
  /** The shop's name and logo, over the order's reference (API.md "Branding and message templates"). */
  private readonly shop = h('p', { class: 'shop', 'data-testid': 'shop-name', hidden: '' });
  private readonly support = h('p', { class: 'support', 'data-testid': 'shop-support', hidden: '' });
  private readonly notice = h('p', { class: 'notice', role: 'status', hidden: '' });
  /** What the notice says, kept as its words' key so it can be said again in another language. */
  private noticeKey: MessageKey | null = null;
  private shopBranding: OrderWithHistory['branding'] | null = null;
  /** Over the map, so it appears without moving anything; a live region, so it is announced. */
  private readonly near = h('p', { class: 'courier-near', 'data-testid': 'courier-near', role: 'status', hidden: '' });
  private readonly canvas = h('div', { class: 'map-canvas', role: 'region' });
  private readonly mapTitle = h('h2', { id: 'map-title', class: 'visually-hidden' });
  private readonly timelineTitle = h('h2', { id: 'timeline-title', class: 'panel-title' });

  constructor(root: HTMLElement, order: OrderWithHistory, settings: PageSettings, options: TrackingPageOptions) {
    const { text, readView } = options;
    this.current = text;
    this.panel = new StatusPanel(text);
    this.proofPanel = new ProofPanel(text, () => this.pictureFailed());
    this.timeline = new Timeline(text);
    this.picker = new LanguagePicker(text, options.onLanguage);
    this.pushToggle = new PushToggle(text, options.push, options.pushControl);
    this.order = order;
    this.status = order.status;
    this.seq = order.version;
    this.viewSeq = order.version;
    this.proof = order.proof;
    this.refresh = new ViewRefresh({ read: readView, apply: (view) => this.applyView(view), wanted: () => this.wantsView() });
    // The newest applied event's time, set below; until then (a history cut short) the newest listed.
    this.since = order.history.at(-1)?.occurred_at ?? '';
    this.courier = order.last_location;
    this.live = new LiveBadge(text);

    const mapSection = h('section', { class: 'panel map-panel', 'aria-labelledby': 'map-title', hidden: '' }, this.mapTitle, this.canvas, this.near);
    this.map = new CourierMap(mapSection, this.canvas, settings, text);
    fill(
      root,
      this.shop,
      h('header', { class: 'top' }, this.brand, h('div', { class: 'top-end' }, this.live.element, this.picker.element)),
      this.notice,
      // One grid: on a phone status, map and timeline stack; on a desk the map is a column of its own.
      h(
        'div',
        { class: 'layout' },
        this.panel.element,
        this.proofPanel.element,
        mapSection,
        h(
          'section',
          { class: 'panel timeline-panel', 'aria-labelledby': 'timeline-title' },
          this.timelineTitle,
          this.timeline.element,
        ),
        this.pushToggle.element,
      ),
      this.support,
    );
    this.showShop(order.branding);
    root.removeAttribute('aria-busy');
    this.label();

    this.timeline.addHistory(order.history);
    for (const event of order.history) this.noteStep(event.status);
    const newest = order.history.find((event) => event.seq === order.version);
    if (newest) this.since = newest.occurred_at;
    this.reason = newest?.reason ?? null;
    this.render();
  }

  /**
   * The shop's branding: its name and logo in the header, its colour as the page's accent where white text reads on
   * it (a pale colour would leave buttons and the progress bar illegible: the page's own accent stays then).
   */
  private showShop(branding: OrderWithHistory['branding']): void {
    if (!branding) return;
    const logo = branding.logo_url ? h('img', { class: 'shop-logo', src: branding.logo_url, alt: '' }) : null;
    fill(this.shop, logo, h('span', { class: 'shop-name', dir: 'auto' }, branding.display_name));
    this.shop.hidden = false;
    if (/^#[0-9a-f]{6}$/i.test(branding.primary_color) && textColorOn(branding.primary_color) === '#ffffff') {
      document.documentElement.style.setProperty('--brand', branding.primary_color);
    }
    this.shopBranding = branding;
  }

  /** How to reach the shop, in the page's language: its support email and phone, when it gave them. */
  private sayShop(): void {
    const branding = this.shopBranding;
    const contacts: Node[] = [];
    if (branding?.support_email) contacts.push(h('a', { href: `mailto:${branding.support_email}`, dir: 'ltr' }, branding.support_email));
    if (branding?.support_phone) contacts.push(h('a', { href: `tel:${branding.support_phone}`, dir: 'ltr' }, branding.support_phone));
    this.support.hidden = !branding || contacts.length === 0;
    if (this.support.hidden) return;
    const joined: Array<Node | string> = contacts.flatMap((contact, index) => (index === 0 ? [contact] : [this.text.t('support_or'), contact]));
    const list = h('span', {});
    list.append(...joined);
    fill(this.support, ...phrase(this.text.t('support_line'), { shop: branding!.display_name, contacts: list }));
  }

  /** The seq of the newest applied event shown: where the live client starts. */
  get lastSeq(): number {
    return this.seq;
  }

  /** One applied event, from the live client (in seq order, once each). */
  applyUpdate(update: OrderStatusUpdate): void {
    if (update.order_id !== this.order.id) return;
    this.timeline.addUpdate(update);
    if (update.seq <= this.seq) return;
    this.seq = update.seq;
    this.status = update.status;
    this.since = update.occurred_at;
    this.reason = null;
    this.noteStep(update.status);
    if (DETAILED.has(update.status) && update.seq > this.viewSeq) this.detailsSeq = update.seq;
    this.render();
    if (this.wantsView()) this.refresh.ask();
  }

  /**
   * The order's view read again, with its history: the reasons and proof the live updates left out, new links for
   * the proof's pictures, and any event not shown yet.
   */
  private applyView(view: OrderWithHistory): void {
    if (view.id !== this.order.id) return;
    this.timeline.addHistory(view.history);
    for (const event of view.history) this.noteStep(event.status);
    if (view.version >= this.seq) {
      const newest = view.history.find((event) => event.seq === view.version);
      this.seq = view.version;
      this.status = view.status;
      if (newest) this.since = newest.occurred_at;
      this.reason = newest?.reason ?? null;
      const { history: _history, ...order } = view;
      this.order = order;
      this.takeProof(view.proof);
    }
    this.viewSeq = Math.max(this.viewSeq, view.version);
    this.render();
  }

  /** The order as of a (re)subscription: its times, destination and last courier position may have changed. */
  applyOrder(order: SubscribedOrder): void {
    if (order.id !== this.order.id) return;
    const { eta, promised_by, arriving_at, destination, last_location } = order;
    this.order = { ...this.order, eta, promised_by, arriving_at, destination, last_location };
    const last = order.last_location;
    if (last && (!this.courier || Date.parse(last.at) > Date.parse(this.courier.at))) this.courier = last;
    // The subscription's order holds the proof as of now (events missed meanwhile follow it).
    if (order.version >= this.seq) this.takeProof(order.proof);
    this.render();
  }

  /** A new ETA for this order (pushed when it moves by a minute or more). */
  applyEta(update: EtaUpdate): void {
    if (update.order_id !== this.order.id) return;
    this.order = { ...this.order, eta: update.eta };
    this.render();
  }

  /** The courier came within the arrival radius: the page says it is near. */
  applyArriving(update: OrderArriving): void {
    if (update.order_id !== this.order.id || this.order.arriving_at) return;
    this.order = { ...this.order, arriving_at: update.arriving_at };
    this.render();
  }

  /** A courier position for this order. */
  applyLocation(update: CourierLocationUpdate): void {
    if (update.order_id !== this.order.id) return;
    if (this.courier && Date.parse(update.at) < Date.parse(this.courier.at)) return; // an older ping, overtaken
    this.courier = { lat: update.lat, lng: update.lng, at: update.at };
    this.renderMap();
  }

  setLive(state: LiveState): void {
    this.live.set(state);
  }

  /** A sentence above the page (e.g. why live updates stopped); null removes it. */
  setNotice(key: MessageKey | null): void {
    this.noticeKey = key;
    this.notice.hidden = key === null;
    this.notice.textContent = key && this.text.t(key);
  }

  /** The words and formats the page speaks in. */
  get text(): Text {
    return this.current;
  }

  /** Says everything on the page again in `text`'s language. */
  setText(text: Text): void {
    this.current = text;
    for (const part of [this.panel, this.proofPanel, this.timeline, this.map, this.picker, this.pushToggle, this.live]) part.setText(text);
    this.setNotice(this.noticeKey);
    this.label();
    this.render();
  }

  /** The page's own words (its parts say theirs). */
  private label(): void {
    const { t } = this.text;
    const reference = h('span', { class: 'reference', dir: 'auto' }, this.order.external_id ?? this.order.id);
    fill(this.brand, ...phrase(t('order_reference'), { reference }));
    this.sayShop();
    this.canvas.setAttribute('aria-label', t('map_label'));
    this.mapTitle.textContent = t('map_title');
    this.timelineTitle.textContent = t('timeline_title');
    if (!this.near.hidden) this.near.textContent = t('courier_near');
  }

  /** Whether the page lacks what only a read of its view gives: an event's details, or pictures' new links. */
  private wantsView(): boolean {
    return this.viewSeq < this.detailsSeq || this.linksExpired;
  }

  private takeProof(proof: ProofView | null): void {
    this.proof = proof;
    this.linksReadAt = Date.now();
    this.linksExpired = false;
  }

  /** A picture of the proof did not load: read new links if its link may have run out. */
  private pictureFailed(): void {
    if (this.linksExpired || Date.now() - this.linksReadAt < LINKS_FRESH_MS) return;
    this.linksExpired = true;
    this.refresh.ask();
  }

  private noteStep(status: OrderStatus): void {
    this.furthestStep = Math.max(this.furthestStep, stepIndex(status));
  }

  private render(): void {
    this.panel.render({
      status: this.status,
      since: this.since,
      furthestStep: this.furthestStep,
      eta: this.order.eta,
      etaExpected: this.status === 'out_for_delivery' && this.destinationPoint() !== null,
      promisedBy: this.order.promised_by,
      address: this.order.destination?.address || null,
      reason: this.status === 'failed_attempt' ? this.reason : null,
    });
    this.proofPanel.show(this.proof);
    document.title = this.text.t('document_title', { status: this.text.t(statusTitle(this.status)), reference: this.order.external_id ?? this.order.id });
    this.renderMap();
  }

  private renderMap(): void {
    // The courier is shown only while it is out for delivery: before, it is at other customers' doors.
    this.map.show(this.destinationPoint(), courierShownToCustomer(this.status) ? this.courier : null);
    // Near only while it is still on the way: a delivered (or failed) order's courier has moved on.
    const near = this.order.arriving_at !== null && this.status === 'out_for_delivery';
    if (near && this.near.hidden) this.near.textContent = this.text.t('courier_near');
    this.near.hidden = !near;
  }

  private destinationPoint(): LatLng | null {
    const destination = this.order.destination;
    return destination && typeof destination.lat === 'number' && typeof destination.lng === 'number' ? { lat: destination.lat, lng: destination.lng } : null;
  }
}
