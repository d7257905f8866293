import { Hono } from 'hono';
import { requireAdmin } from '../../http/auth.ts';
import type { AppContext, AppDeps, AppEnv } from '../../http/context.ts';
import { AppError } from '../../http/errors.ts';
import { flash, renderPage } from '../../http/render.tsx';
import { Csrf, Field } from '../../ui/layout.tsx';
import type { Mailbox } from '../mailbox.ts';
import { findMailbox } from '../repository.ts';
import { AppAccessInputError, appAccessView, saveAppAccess } from './app-access.ts';
import { type VerifyStep, verifyAppAccess, verifyInputSchema } from './verify.ts';

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const orNull = (v: unknown) => text(v) || null;

const Steps = ({ steps }: { steps: readonly VerifyStep[] }) => (
  <ol class="card" id="verify-result">
    {steps.map((s) => (
      <li class={s.ok ? 'ok' : 'error'} data-step={s.step} data-code={s.code ?? ''}>
        <strong>{s.ok ? '✓' : '✗'} </strong>
        {s.message}
      </li>
    ))}
  </ol>
);

/** The application access page of a system mailbox (issue 14 §1): mode, setup script, Verify. Admins only. */
export const appAccessRoutes = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();

  const systemMailbox = async (id: string): Promise<Mailbox> => {
    const mailbox = await findMailbox(deps.db, id);
    if (mailbox?.kind !== 'system')
      throw new AppError('request.not_found', 'There is no such system mailbox.');
    return mailbox;
  };

  const page = async (
    c: AppContext,
    mailbox: Mailbox,
    extra: { errors?: Record<string, string>; steps?: readonly VerifyStep[]; outside?: string } = {},
  ) => {
    const view = await appAccessView(deps, mailbox);
    const errors = extra.errors ?? {};
    return renderPage(
      deps,
      c,
      {
        title: `Access to ${mailbox.address}`,
        current: '/settings/system-mailboxes',
        status: Object.keys(errors).length ? 400 : 200,
      },
      (csrf) => (
        <>
          <h1>How Mailroom reaches {mailbox.address}</h1>
          <form method="post" action={`/settings/system-mailboxes/${mailbox.id}/access`} class="card">
            <Csrf token={csrf} />
            <label class="check">
              <input type="radio" name="access" value="person" checked={view.access === 'person'} />{' '}
              <span>
                <strong>Connected by a person</strong>: an administrator with FullAccess connects it with
                their own Microsoft account. It stops when that person leaves, changes password or is signed
                out.
              </span>
            </label>
            <label class="check">
              <input type="radio" name="access" value="application" checked={view.access === 'application'} />{' '}
              <span>
                <strong>Application access</strong>: Mailroom signs in as its own application (client
                credentials, IMAP.AccessAsApp and SMTP.SendAsApp); no person's account is involved.
              </span>
            </label>
            {errors.access && <p class="error">{errors.access}</p>}
            <Field
              name="enterpriseObjectId"
              label="Enterprise application Object ID"
              value={view.enterpriseObjectId ?? ''}
              error={errors.enterpriseObjectId}
              hint="Microsoft Entra admin center → Enterprise applications → Mailroom → Overview → Object ID. It is NOT the Object ID under App registrations: that one makes New-ServicePrincipal succeed and every login fail."
            />
            <Field
              name="scopeName"
              label="RBAC scope name (optional)"
              value={view.scopeName ?? ''}
              error={errors.scopeName}
              hint="Limits sending (SMTP) and Graph to the mailboxes with application access. RBAC for Applications does not cover IMAP: there, FullAccess on the mailbox is the only limit."
            />
            <div class="actions">
              <button type="submit">Save</button>
            </div>
          </form>
          <h2>Exchange Online PowerShell</h2>
          <p>
            An Exchange administrator runs this once (and again when a mailbox gets application access). Admin
            consent for IMAP.AccessAsApp and SMTP.SendAsApp (Office 365 Exchange Online → Application
            permissions) is given by a Global Administrator or Privileged Role Administrator in the Entra
            admin center.
          </p>
          <pre id="powershell">{view.powershell}</pre>
          <h2>Verify</h2>
          <form method="post" action={`/settings/system-mailboxes/${mailbox.id}/access/verify`} class="card">
            <Csrf token={csrf} />
            <Field
              name="outsideAddress"
              label="A mailbox outside the scope (optional)"
              value={extra.outside ?? ''}
              error={errors.outsideAddress}
              hint="With a scope set, Verify checks that Exchange refuses the application for this address."
            />
            <div class="actions">
              <button type="submit" disabled={view.access !== 'application'}>
                Verify
              </button>
            </div>
          </form>
          {extra.steps && <Steps steps={extra.steps} />}
        </>
      ),
    );
  };

  app.get('/settings/system-mailboxes/:id/access', async (c) => {
    requireAdmin(c);
    return page(c, await systemMailbox(c.req.param('id')));
  });

  app.post('/settings/system-mailboxes/:id/access', async (c) => {
    const actor = requireAdmin(c);
    const mailbox = await systemMailbox(c.req.param('id'));
    const body = await c.req.parseBody();
    try {
      await saveAppAccess(deps, actor, mailbox, {
        access: text(body.access),
        enterpriseObjectId: orNull(body.enterpriseObjectId),
        scopeName: orNull(body.scopeName),
      });
    } catch (error) {
      if (!(error instanceof AppAccessInputError)) throw error;
      return page(c, mailbox, { errors: error.fields });
    }
    await flash(
      deps,
      c,
      'success',
      'Saved. Run the PowerShell below if you have not yet, then press Verify.',
    );
    return c.redirect(`/settings/system-mailboxes/${mailbox.id}/access`);
  });

  app.post('/settings/system-mailboxes/:id/access/verify', async (c) => {
    requireAdmin(c);
    const mailbox = await systemMailbox(c.req.param('id'));
    const body = await c.req.parseBody();
    const outside = text(body.outsideAddress);
    const input = verifyInputSchema.safeParse(outside ? { outsideAddress: outside } : {});
    if (!input.success)
      return page(c, mailbox, {
        outside,
        errors: { outsideAddress: input.error.issues[0]?.message ?? 'Invalid.' },
      });
    if (mailbox.access !== 'application')
      return page(c, mailbox, { outside, errors: { access: 'Choose Application access and save first.' } });
    return page(c, mailbox, { outside, steps: await verifyAppAccess(deps, mailbox, input.data) });
  });
  return app;
};
