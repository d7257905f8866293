import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import type { DbKind } from '../../src/db/database.ts';
import { findMailbox } from '../../src/mailboxes/repository.ts';
import { startOutbox } from '../../src/send/outbox.ts';
import { findOutgoing } from '../../src/send/outgoing-store.ts';
import { outgoingView } from '../../src/send/outgoing-view.ts';
import { syncMailbox } from '../../src/sync/sync-mailbox.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { startTestApp, type TestApp } from './app.ts';
import { inEmulatorFolder } from './mail-token.ts';
import {
  ADELE,
  configureForMail,
  connectThroughMicrosoft,
  createDemoPeople,
  MEGAN,
  mailboxIdOf,
  mailroomBrowser,
  SUPPORT,
} from './mailbox-setup.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered.
export type Json = any;

export interface SendWorld {
  readonly emu: RunningEmulator;
  readonly app: TestApp;
  readonly adeleToken: string;
  readonly meganToken: string;
  readonly mailboxes: { readonly adele: string; readonly megan: string; readonly support: string };
  api(
    token: string,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; json: Json; headers: Headers }>;
  /** Sends over the API and waits until the message is sent or failed (or `until`). */
  send(token: string, mailboxId: string, body: unknown, until?: readonly string[]): Promise<Json>;
  waitFor(mailboxId: string, outgoingId: string, states: readonly string[]): Promise<Json>;
  sync(mailboxId: string): Promise<void>;
  stop(): Promise<void>;
}

/** Raw messages with this Message-ID in a folder of an emulated mailbox, read with imapflow. */
export const copiesIn = async (
  emu: RunningEmulator,
  address: string,
  folder: string,
  messageId: string,
  /** Whose token opens it: a shared mailbox is opened with a delegate's. */
  tokenOf = address,
): Promise<Buffer[]> =>
  inEmulatorFolder(
    emu,
    address,
    folder,
    async (client) => {
      const uids = (await client.search({ header: { 'message-id': `<${messageId}>` } }, { uid: true })) || [];
      if (uids.length === 0) return [];
      return (await client.fetchAll(uids.join(','), { source: true }, { uid: true })).map((m) => m.source!);
    },
    tokenOf,
  );

/**
 * Mailroom and the emulator with three mailboxes connected: Adele's, Megan's (INBOX and Sent Items
 * selected) and the Support system mailbox, connected by Adele (FullAccess and Send As). An outbox worker
 * runs with retries a fraction of a second apart.
 */
export const startSendWorld = async (
  kind: DbKind,
  env: Record<string, string> = {},
  /** Microsoft 365 settings over the defaults (chromium reaches the emulator at `customAuthorityUrl: emu.httpUrl`). */
  settings: (emu: RunningEmulator) => Record<string, unknown> = () => ({}),
): Promise<SendWorld> => {
  const emu = await startEmulator();
  const app = await startTestApp(kind, {
    MAILROOM_EXTRA_CA_FILE: emu.tls.caPath,
    MAILROOM_SEND_RETRY_SECONDS: '0.3',
    MAILROOM_SEND_MAX_ATTACHMENTS_MB: '2',
    ...env,
  });
  const adminToken = await configureForMail(emu, app, settings(emu));
  await createDemoPeople(app);
  const db = app.mailroom.deps.db;
  const tokenOf = async (email: string) => createApiToken(db, (await findUserByEmail(db, email))!.id, email);
  const adeleToken = await tokenOf(ADELE);
  const meganToken = await tokenOf(MEGAN);
  const api: SendWorld['api'] = async (token, method, path, body, headers = {}) => {
    const res = await fetch(`${app.url}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
  };
  const select = async (token: string, id: string) =>
    assert.equal(
      (await api(token, 'PUT', `/mailboxes/${id}/folders`, { selected: ['INBOX', 'Sent Items'] })).status,
      200,
    );

  const adeleBrowser = await mailroomBrowser(emu, app, ADELE);
  const adele = mailboxIdOf(await connectThroughMicrosoft(adeleBrowser, app, ADELE));
  await select(adeleToken, adele);
  const meganBrowser = await mailroomBrowser(emu, app, MEGAN);
  const megan = mailboxIdOf(await connectThroughMicrosoft(meganBrowser, app, MEGAN));
  await select(meganToken, megan);
  const created = await api(adminToken, 'POST', '/system-mailboxes', {
    label: 'Support',
    address: SUPPORT,
    roles: ['staff'],
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const support = created.json.id as string;
  await connectThroughMicrosoft(adeleBrowser, app, ADELE, support);
  assert.equal((await findMailbox(db, support))?.state, 'connected');
  await select(adeleToken, support);

  const outbox = startOutbox(app.mailroom.deps, { intervalMs: 100 });
  const waitFor: SendWorld['waitFor'] = async (mailboxId, outgoingId, states) => {
    const deadline = Date.now() + 45_000;
    for (;;) {
      const row = await findOutgoing(db, outgoingId);
      assert.equal(row?.mailbox_id, mailboxId);
      const json = outgoingView(row!);
      if (states.includes(json.state)) return json;
      if (Date.now() > deadline) assert.fail(`still ${JSON.stringify(json)}`);
      await sleep(50);
    }
  };
  return {
    emu,
    app,
    adeleToken,
    meganToken,
    mailboxes: { adele, megan, support },
    api,
    waitFor,
    async send(token, mailboxId, body, until = ['sent', 'failed']) {
      const queued = await api(token, 'POST', `/mailboxes/${mailboxId}/send`, body);
      assert.equal(queued.status, 202, JSON.stringify(queued.json));
      return waitFor(mailboxId, queued.json.id, until);
    },
    async sync(mailboxId) {
      await syncMailbox(app.mailroom.deps, (await findMailbox(db, mailboxId))!);
    },
    async stop() {
      await outbox.stop();
      await app.stop();
      await emu.stop();
    },
  };
};
