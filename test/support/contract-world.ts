/**
 * The world the OpenAPI contract test walks: the send world (Adele, an administrator, and Megan, staff,
 * each with a connected mailbox; the Support system mailbox), plus synced mail with an attachment, a sent
 * message and two failed ones, a Sales system mailbox to change and delete, a webhook endpoint with a
 * delivered test message, and a second staff member (Sam) who sees none of it. Everything is made through
 * the real flows: OAuth through the emulator, IMAP sync, SMTP sending, the webhook sender.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { deliverEndpoint } from '../../src/webhooks/deliver.ts';
import { STAFF } from './app.ts';
import { control } from './control.ts';
import type { DbKind } from './databases.ts';
import { ADELE, MEGAN } from './mailbox-setup.ts';
import { readingMessages } from './reading-messages.ts';
import { type Json, type SendWorld, startSendWorld } from './send-fixture.ts';
import { type Receiver, startReceiver } from './webhook-receiver.ts';

export const SALES = `sales@${DEMO.domain}`;

export interface ContractWorld extends SendWorld {
  readonly receiver: Receiver;
  /** Sam, a staff member with no mailbox of his own and no access to Megan's or Adele's. */
  readonly samToken: string;
  readonly enterpriseObjectId: string;
  /** Ids the walk substitutes; the walk adds the ones it creates (a webhook, a system mailbox). */
  readonly ids: Record<string, string>;
}

/** Sends `count` messages from Megan's mailbox while Exchange refuses SMTP AUTH: each fails for good. */
const failedSends = async (w: SendWorld, count: number): Promise<string[]> => {
  const via = (sendVia: string) =>
    w.api(w.meganToken, 'PUT', `/mailboxes/${w.mailboxes.megan}/send-via`, { sendVia });
  assert.equal((await via('smtp')).status, 200);
  await control(w.emu, 'PATCH', `/tenants/${DEMO.tenantId}`, { smtpAuthEnabled: false });
  try {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const failed = await w.send(w.meganToken, w.mailboxes.megan, {
        to: [ADELE],
        subject: `Blocked ${i}`,
        text: 'x',
      });
      assert.equal(failed.state, 'failed', JSON.stringify(failed));
      ids.push(failed.id);
    }
    return ids;
  } finally {
    await control(w.emu, 'PATCH', `/tenants/${DEMO.tenantId}`, { smtpAuthEnabled: true });
    await via('auto');
  }
};

/** Megan's invoice (with a PDF) and its first attachment, found through the API as a client would. */
const invoiceOf = async (w: SendWorld): Promise<{ messageId: string; attachmentId: string }> => {
  const list = await w.api(w.meganToken, 'GET', `/mailboxes/${w.mailboxes.megan}/messages?q=Invoice`);
  const messageId = list.json.messages.find((m: Json) => m.hasAttachments)?.id;
  assert.ok(messageId, JSON.stringify(list.json));
  const message = await w.api(w.meganToken, 'GET', `/mailboxes/${w.mailboxes.megan}/messages/${messageId}`);
  const attachmentId = message.json.attachments[0]?.id;
  assert.ok(attachmentId, JSON.stringify(message.json));
  return { messageId, attachmentId };
};

/** A webhook endpoint on the loopback receiver, its test message delivered by the real sender. */
const webhookWithDelivery = async (w: SendWorld, receiver: Receiver, adminToken: string) => {
  const created = await w.api(adminToken, 'POST', '/webhooks', {
    url: receiver.url('/contract'),
    eventTypes: ['message.sent'],
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const endpointId = created.json.id as string;
  assert.equal((await w.api(adminToken, 'POST', `/webhooks/${endpointId}/test`)).status, 202);
  await deliverEndpoint({ ...w.app.mailroom.deps, now: () => new Date(), webhookCa: null }, endpointId);
  const [delivery] = (await w.api(adminToken, 'GET', `/webhooks/${endpointId}/deliveries`)).json.deliveries;
  assert.equal(delivery?.state, 'delivered', JSON.stringify(delivery));
  return { webhook: endpointId, delivery: delivery.id as string };
};

export const startContractWorld = async (kind: DbKind): Promise<ContractWorld> => {
  const receiver = await startReceiver();
  const w = await startSendWorld(kind, { MAILROOM_WEBHOOKS_ALLOW_PRIVATE: 'true' });
  try {
    const db = w.app.mailroom.deps.db;
    const samToken = await createApiToken(db, (await findUserByEmail(db, STAFF.email))!.id, 'sam');
    const { inbox } = readingMessages(randomBytes(3000), 'http://127.0.0.1:9/pixel.png');
    const seeded = await control(w.emu, 'POST', '/mail/seed', {
      address: MEGAN,
      folder: 'INBOX',
      messages: inbox,
    });
    assert.equal(seeded.status, 201);
    const sent = await w.send(w.meganToken, w.mailboxes.megan, {
      to: [ADELE],
      subject: 'Contract',
      text: 'Hello',
    });
    assert.equal(sent.state, 'sent', JSON.stringify(sent));
    const [retryable, discardable] = await failedSends(w, 2);
    await w.sync(w.mailboxes.megan);
    const invoice = await invoiceOf(w);
    const hook = await webhookWithDelivery(w, receiver, w.adeleToken);
    assert.equal(
      (await control(w.emu, 'POST', '/mailboxes', { tenantId: DEMO.tenantId, address: SALES })).status,
      201,
    );
    // Admin consent for application access: Verify of Sales gets a token (and finds no FullAccess).
    const granted = await control(w.emu, 'POST', `/apps/${DEMO.appId}/app-role-grants`, {
      tenantId: DEMO.tenantId,
      roles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
    });
    assert.equal(granted.status, 200);
    const enterpriseObjectId = (
      await control(w.emu, 'GET', `/apps/${DEMO.appId}/object-ids?tenantId=${DEMO.tenantId}`)
    ).body.enterpriseApplicationObjectId as string;
    const ids: Record<string, string> = {
      ...invoice,
      ...hook,
      sent: sent.id,
      meganUser: (await findUserByEmail(db, MEGAN))!.id,
      retryable: retryable!,
      discardable: discardable!,
    };
    return {
      ...w,
      receiver,
      samToken,
      enterpriseObjectId,
      ids,
      async stop() {
        await w.stop();
        await receiver.stop();
      },
    };
  } catch (error) {
    await w.stop();
    await receiver.stop();
    throw error;
  }
};
