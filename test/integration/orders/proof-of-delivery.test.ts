/**
 * Proof of delivery (API.md "Proof of delivery", "Orders", "Tracking links", "Privacy"): pictures uploaded, re-encoded
 * without their metadata and kept in the store; proofs on deliveries and reasons on failed attempts; the order's
 * proof with links signed for an hour; instructions; erasure taking the bytes.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { expectError } from '../../support/expect-error';
import { client, request, type Client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { assignCourier, placeOrder, postStatus } from '../../support/orders';
import { createTenant } from '../../support/tenant';
import { notifyArea } from '../../support/notify-fixture';
import { closeAllSockets, connectSocket, subscribeOk } from '../../support/sockets';
import { registerWebhook, startReceiver, type Receiver } from '../../support/webhooks';

let server: TestNode;
let biz: Client;
let apiKey: string;
let offsetMs = 0;
let receiver: Receiver;

beforeAll(async () => {
  server = await startTestNode({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' }, attachmentClock: () => new Date(Date.now() + offsetMs) });
  apiKey = (await createTenant(server.url)).apiKey;
  biz = client(server.url, apiKey);
  receiver = await startReceiver();
  await registerWebhook(biz, receiver.url, ['order.status_changed']);
});
afterAll(async () => {
  closeAllSockets();
  await receiver.close();
  await server.close();
});
afterEach(() => {
  offsetMs = 0;
});

/** A photo as a phone takes it: a JPEG of `width` px carrying EXIF with where it was taken and with what. */
async function phonePhoto(width = 3000, height = 2000): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 120, b: 40 } } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'PhoneMaker', Model: 'Phone 15', Software: 'Camera 1.0' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '22/1 18/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '114/1 10/1 0/1' },
    })
    .toBuffer();
}

async function smallPng(): Promise<Buffer> {
  return sharp({ create: { width: 40, height: 20, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toBuffer();
}

function upload(api: Client, bytes: Uint8Array, contentType = 'image/jpeg', headers: Record<string, string> = {}) {
  return api.post('/v1/attachments', undefined, { rawBody: bytes, headers: { 'content-type': contentType, ...headers } });
}

async function uploaded(api: Client, bytes: Uint8Array, contentType = 'image/jpeg'): Promise<string> {
  const response = await upload(api, bytes, contentType);
  if (response.status !== 201) throw new Error(`upload: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}

/** GETs a link as an `<img>` would: no token, the bytes as they come. */
async function fetchLink(url: string): Promise<{ status: number; bytes: Buffer; type: string | null; cache: string | null }> {
  const response = await fetch(new URL(url, server.url));
  return {
    status: response.status,
    bytes: Buffer.from(await response.arrayBuffer()),
    type: response.headers.get('content-type'),
    cache: response.headers.get('cache-control'),
  };
}

/** A courier of the business with an order assigned to it and out for delivery. */
async function courierWithOrder(api: Client = biz): Promise<{ courier: Client; orderId: string; courierId: string; trackingToken: string }> {
  const courierId = unique('k');
  const token = (await api.post('/v1/tokens', { role: 'courier', subject: courierId })).body.token as string;
  const order = await placeOrder(api, { customer: { id: unique('c'), name: 'Ada' }, instructions: 'Leave with the doorman' });
  await assignCourier(api, order.id, courierId);
  await postStatus(api, order.id, 'out_for_delivery');
  return { courier: client(server.url, token), orderId: order.id, courierId, trackingToken: order.tracking_token };
}

describe('uploads', () => {
  it('keeps a re-encoded copy without metadata, at most 2048 px, whose sha256 is of the bytes served', async () => {
    const photo = await phonePhoto();
    expect((await sharp(photo).metadata()).exif).toBeDefined();
    const response = await upload(biz, photo);
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ id: expect.stringMatching(/^att_/), content_type: 'image/jpeg' });
    // Its uploader reads it with its token before any order uses it.
    const own = await fetch(`${server.url}/v1/attachments/${response.body.id}`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(own.status).toBe(200);
    const stored = Buffer.from(await own.arrayBuffer());
    expect(own.headers.get('content-type')).toBe('image/jpeg');
    expect(own.headers.get('cache-control')).toContain('no-store');
    const metadata = await sharp(stored).metadata();
    expect(metadata.exif).toBeUndefined();
    expect(Math.max(metadata.width!, metadata.height!)).toBe(2048);
    expect(stored.includes(Buffer.from('PhoneMaker'))).toBe(false);
    expect(response.body.bytes).toBe(stored.length);
    expect(response.body.sha256).toBe(createHash('sha256').update(stored).digest('hex'));
    // Nobody else does: staff of the tenant, before an order uses it, and another tenant.
    const staff = (await biz.post('/v1/tokens', { role: 'staff', subject: unique('s') })).body.token as string;
    expect((await request(server.url, 'GET', `/v1/attachments/${response.body.id}`, { token: staff })).status).toBe(404);
    const other = (await createTenant(server.url, 'Other')).apiKey;
    expect((await request(server.url, 'GET', `/v1/attachments/${response.body.id}`, { token: other })).status).toBe(404);
  });

  it('answers a repeat under the same Idempotency-Key with the first upload', async () => {
    const key = unique('key');
    const first = await upload(biz, await smallPng(), 'image/png', { 'idempotency-key': key });
    const again = await upload(biz, await smallPng(), 'image/png', { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });

  it('refuses bytes that are not an image of the declared type (415) and bodies over 5 MiB (413)', async () => {
    expectError(await upload(biz, await smallPng(), 'image/jpeg'), 415, 'unsupported_media_type');
    expectError(await upload(biz, Buffer.from('not an image at all'), 'image/png'), 415, 'unsupported_media_type');
    expectError(await upload(biz, Buffer.alloc(5 * 1024 * 1024 + 1, 1), 'image/jpeg'), 413, 'payload_too_large');
  });
});


describe('proofs and reasons', () => {
  it('a delivered status post with a proof: the order shows it with links that work without a token for an hour', async () => {
    const { orderId, trackingToken } = await courierWithOrder();
    const signature = await uploaded(biz, await smallPng(), 'image/png');
    const photo = await uploaded(biz, await phonePhoto(800, 600));
    const posted = await biz.post(`/v1/orders/${orderId}/status`, {
      status: 'delivered',
      location: { lat: 22.3, lng: 114.2 },
      proof: { recipient_name: 'Grace', signature, photos: [photo], note: 'front door' },
    });
    expect(posted.status).toBe(200);
    const { proof } = posted.body;
    expect(proof).toMatchObject({ recipient_name: 'Grace', note: 'front door', signature: { id: signature }, photos: [{ id: photo }] });
    expect(proof.location).toEqual({ lat: 22.3, lng: 114.2 });
    expect(Object.keys(proof.sha256).sort()).toEqual([signature, photo].sort());
    expect(posted.body.event.proof).toMatchObject({ signature, photos: [photo], sha256: proof.sha256 });

    const shown = await fetchLink(proof.photos[0].url);
    expect(shown.status).toBe(200);
    expect(shown.type).toBe('image/jpeg');
    expect(shown.cache).toContain('no-store');
    expect(createHash('sha256').update(shown.bytes).digest('hex')).toBe(proof.sha256[photo]);

    // A tampered signature, and a link past its hour, show nothing.
    const tampered = proof.photos[0].url.replace(/sig=([^&]+)/, (_: string, sig: string) => `sig=${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`);
    expect((await fetchLink(tampered)).status).toBe(404);
    offsetMs = 61 * 60 * 1000;
    expect((await fetchLink(proof.photos[0].url)).status).toBe(404);
    offsetMs = 0;

    // The tracking link sees the proof.
    const tracked = await request(server.url, 'GET', `/v1/orders/${orderId}`, { token: trackingToken });
    expect(tracked.body.proof).toMatchObject({ recipient_name: 'Grace', photos: [{ id: photo }] });
    expect((await fetchLink(tracked.body.proof.signature.url)).status).toBe(200);
  });

  it("a delivered order's proof is in the list, a tracker's and a staff socket's subscribe, and its webhook", async () => {
    const { orderId, trackingToken, courierId } = await courierWithOrder();
    const photo = await uploaded(biz, await phonePhoto(400, 300));
    const posted = await biz.post(`/v1/orders/${orderId}/status`, { status: 'delivered', proof: { recipient_name: 'Ida', photos: [photo] } });
    expect(posted.status).toBe(200);

    // The list carries it too.
    const listed = await biz.get(`/v1/orders?courier_id=${courierId}`);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: orderId, proof: expect.objectContaining({ recipient_name: 'Ida' }) })]);

    const staffToken = (await biz.post('/v1/tokens', { role: 'staff', subject: unique('s') })).body.token as string;
    for (const token of [trackingToken, staffToken]) {
      const socket = await connectSocket(server.url, token);
      const { order } = await subscribeOk(socket, orderId);
      expect(order.status).toBe('delivered');
      expect(order.proof).toMatchObject({ recipient_name: 'Ida', photos: [{ id: photo }] });
      const shown = await fetchLink(order.proof.photos[0].url);
      expect(shown.status).toBe(200);
      expect(createHash('sha256').update(shown.bytes).digest('hex')).toBe(posted.body.proof.sha256[photo]);
      socket.close();
    }

    const [message] = await receiver.waitFor(1, (request) =>
      request.body.type === 'order.status_changed' && request.body.data.order?.id === orderId && request.body.data.event?.status === 'delivered',
    );
    expect(message!.body.data.order.proof).toMatchObject({ recipient_name: 'Ida', photos: [{ id: photo }] });
    expect((await fetchLink(message!.body.data.order.proof.photos[0].url)).status).toBe(200);
  });

  it('a delivered scan with a proof; an attachment used twice or by another caller is refused naming the field', async () => {
    const first = await courierWithOrder();
    const second = await courierWithOrder();
    const photo = await uploaded(first.courier, await phonePhoto(400, 300));
    const scan = (orderId: string, proof: unknown) => ({
      event_id: unique('e'), order_id: orderId, type: 'delivered', occurred_at: new Date().toISOString(), proof,
    });
    // Another courier may not use it.
    const foreign = await second.courier.post('/v1/scans', { scans: [scan(second.orderId, { photos: [photo] })] });
    expect(foreign.body.results[0]).toMatchObject({ outcome: 'rejected', error: { code: 'validation_failed', details: [{ path: 'proof.photos.0' }] } });
    const applied = await first.courier.post('/v1/scans', { scans: [scan(first.orderId, { photos: [photo], recipient_name: 'Lin' })] });
    expect(applied.body.results[0]).toMatchObject({ outcome: 'applied' });
    const order = await biz.get(`/v1/orders/${first.orderId}`);
    expect(order.body.proof).toMatchObject({ recipient_name: 'Lin', photos: [{ id: photo }], signature: null });
    // Used once: not again, on another order.
    const third = await courierWithOrder();
    const again = await biz.post(`/v1/orders/${third.orderId}/status`, { status: 'delivered', proof: { photos: [photo] } });
    expectError(again, 400, 'validation_failed');
    // The courier reads the picture of its own order with its token.
    const mine = await first.courier.get(`/v1/attachments/${photo}`);
    expect(mine.status).toBe(200);
  });

  it('proof_required: a delivered scan without it is rejected, a status post 400', async () => {
    const tenant = await createTenant(server.url, 'Strict');
    const strict = client(server.url, tenant.apiKey);
    expect((await strict.put('/v1/tenants/me/settings', { proof_required: ['signature', 'recipient_name'] })).status).toBe(200);
    const { courier, orderId } = await courierWithOrder(strict);
    const scanned = await courier.post('/v1/scans', {
      scans: [{ event_id: unique('e'), order_id: orderId, type: 'delivered', occurred_at: new Date().toISOString(), proof: { recipient_name: 'Bo' } }],
    });
    expect(scanned.body.results[0]).toMatchObject({ outcome: 'rejected', error: { code: 'proof_required' } });
    // Another courier's order is not found, with a proof or without one, before any proof is asked for.
    const other = await courierWithOrder(strict);
    for (const proof of [undefined, { recipient_name: 'Bo' }]) {
      const foreign = await other.courier.post('/v1/scans', {
        scans: [{ event_id: unique('e'), order_id: orderId, type: 'delivered', occurred_at: new Date().toISOString(), ...(proof ? { proof } : {}) }],
      });
      expect(foreign.body.results[0]).toMatchObject({ outcome: 'rejected', error: { code: 'not_found' } });
    }
    const posted = await strict.post(`/v1/orders/${orderId}/status`, { status: 'delivered' });
    expectError(posted, 400, 'proof_required');
    const signature = await uploaded(strict, await smallPng(), 'image/png');
    const complete = await strict.post(`/v1/orders/${orderId}/status`, { status: 'delivered', proof: { signature, recipient_name: 'Bo' } });
    expect(complete.status).toBe(200);
  });

  it("a failed attempt's reason is in the history, the tracking view and the webhook's event", async () => {
    const { courier, orderId, trackingToken } = await courierWithOrder();
    const scanned = await courier.post('/v1/scans', {
      scans: [{ event_id: unique('e'), order_id: orderId, type: 'failed_attempt', occurred_at: new Date().toISOString(), reason: 'not_home', note: 'rang twice' }],
    });
    expect(scanned.body.results[0]).toMatchObject({ outcome: 'applied' });
    const history = (await biz.get(`/v1/orders/${orderId}`)).body.history;
    expect(history.at(-1)).toMatchObject({ status: 'failed_attempt', reason: 'not_home', note: 'rang twice' });
    const tracked = await request(server.url, 'GET', `/v1/orders/${orderId}`, { token: trackingToken });
    expect(tracked.body.history.at(-1)).toEqual(expect.objectContaining({ status: 'failed_attempt', reason: 'not_home' }));
    expect(tracked.body.history.at(-1).note).toBeUndefined();
    const [message] = await receiver.waitFor(1, (request) => request.body.data.order?.id === orderId && request.body.data.event?.status === 'failed_attempt');
    expect(message!.body.data.event).toMatchObject({ reason: 'not_home' });
    // A reason on another status is refused.
    expectError(await biz.post(`/v1/orders/${orderId}/status`, { status: 'out_for_delivery', reason: 'refused' }), 400, 'validation_failed');
  });
});

describe('instructions', () => {
  it('are set at placement and changed by the business or the customer until the order is over', async () => {
    const customerId = unique('c');
    const order = await placeOrder(biz, { customer: { id: customerId }, instructions: 'Ring twice' });
    expect(order.instructions).toBe('Ring twice');
    const customer = client(server.url, (await biz.post('/v1/tokens', { role: 'customer', subject: customerId })).body.token);
    const changed = await customer.patch(`/v1/orders/${order.id}`, { instructions: 'Leave at the back door' });
    expect(changed.status).toBe(200);
    expect((await biz.get(`/v1/orders/${order.id}`)).body.instructions).toBe('Leave at the back door');
    const stranger = client(server.url, (await biz.post('/v1/tokens', { role: 'customer', subject: unique('c') })).body.token);
    expectError(await stranger.patch(`/v1/orders/${order.id}`, { instructions: 'x' }), 404, 'not_found');
    expectError(await biz.patch(`/v1/orders/${order.id}`, { instructions: 'x'.repeat(501) }), 400, 'validation_failed');
    await postStatus(biz, order.id, 'cancelled');
    expectError(await biz.patch(`/v1/orders/${order.id}`, { instructions: 'too late' }), 409, 'illegal_transition');
  });
});

describe('erasure', () => {
  it("takes the bytes of the customer's proof pictures out of the store", async () => {
    const { orderId } = await courierWithOrder();
    const photo = await uploaded(biz, await phonePhoto(300, 200));
    const posted = await biz.post(`/v1/orders/${orderId}/status`, { status: 'delivered', proof: { photos: [photo], recipient_name: 'Grace' } });
    const url = posted.body.proof.photos[0].url as string;
    expect((await fetchLink(url)).status).toBe(200);
    const customerId = posted.body.customer.id as string;
    expect((await biz.delete(`/v1/customers/${customerId}/personal-data`)).status).toBe(200);
    expect((await fetchLink(url)).status).toBe(404);
    expect((await biz.get(`/v1/attachments/${photo}`)).status).toBe(404);
    expect(await server.node.parts.store.attachments.readAttachment(photo)).toBeNull();
    expect((await biz.get(`/v1/orders/${orderId}`)).body.proof).toBeNull();
  });
});

describe('alerts', () => {
  const area = notifyArea('proof-alerts', { per: 'file' });

  it('the failed-attempt alert says the reason in words', async () => {
    const { biz: business } = await area.startTenantNode();
    const email = `${unique('c')}@mail.example`;
    const order = await placeOrder(business, { customer: { id: unique('c'), email }, notify: { email: true } });
    await postStatus(business, order.id, 'out_for_delivery');
    // Its alert is sent before the next notifying status, which would otherwise outdate it (API.md: `superseded`).
    await area.smtp.waitForMessagesTo(email, 1);
    await postStatus(business, order.id, 'failed_attempt', { reason: 'address_not_found' });
    const messages = await area.smtp.waitForMessagesTo(email, 2);
    const failed = messages.find((message) => message.subject.includes('We missed you'));
    expect(failed?.text).toContain('the address could not be found');
  });
});
