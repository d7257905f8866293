import { Hono } from 'hono';
import { requireAdmin } from '../http/auth.ts';
import type { AppContext, AppDeps, AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { flash, renderPage } from '../http/render.tsx';
import { Csrf, Field } from '../ui/layout.tsx';
import { listUsers } from '../users/users.repository.ts';
import type { User } from '../users/users.table.ts';
import type { Mailbox } from './mailbox.ts';
import { StateBadge } from './pages.tsx';
import { findMailbox } from './repository.ts';
import {
  accessOf,
  createSystemMailbox,
  type SystemMailboxAccess,
  SystemMailboxError,
  updateSystemMailbox,
} from './system-mailboxes.ts';

const formInput = (body: Record<string, unknown>) => {
  const list = (v: unknown) => ([] as unknown[]).concat(v ?? []).map(String);
  return {
    label: String(body.label ?? ''),
    address: String(body.address ?? ''),
    enabled: body.enabled === 'on',
    userIds: list(body.userIds),
    roles: list(body.roles).filter(
      (r): r is 'staff' | 'administrator' => r === 'staff' || r === 'administrator',
    ),
  };
};

const SystemMailboxForm = (p: {
  csrf: string;
  action: string;
  users: readonly User[];
  values: { label: string; address: string; enabled: boolean } & SystemMailboxAccess;
  errors: Record<string, string>;
  editing: boolean;
}) => (
  <form method="post" action={p.action} class="card">
    <Csrf token={p.csrf} />
    <Field
      name="label"
      label="Label"
      value={p.values.label}
      error={p.errors.label}
      hint="What staff see, such as Support."
    />
    {p.editing ? (
      <p>
        Address: <strong>{p.values.address}</strong>
      </p>
    ) : (
      <Field
        name="address"
        label="Shared mailbox address"
        type="email"
        value={p.values.address}
        error={p.errors.address}
        hint="The shared mailbox in Exchange Online, such as support@contoso.com."
      />
    )}
    <label class="check">
      <input type="checkbox" name="enabled" checked={p.values.enabled} /> <span>Enabled</span>
    </label>
    <h2>Who may use it</h2>
    <label class="check">
      <input type="checkbox" name="roles" value="staff" checked={p.values.roles.includes('staff')} />{' '}
      <span>All staff</span>
    </label>
    <label class="check">
      <input
        type="checkbox"
        name="roles"
        value="administrator"
        checked={p.values.roles.includes('administrator')}
      />{' '}
      <span>All administrators</span>
    </label>
    {p.users.map((u) => (
      <label class="check">
        <input type="checkbox" name="userIds" value={u.id} checked={p.values.userIds.includes(u.id)} />{' '}
        <span>
          {u.displayName} ({u.email})
        </span>
      </label>
    ))}
    <div class="actions">
      <button type="submit">{p.editing ? 'Save' : 'Add system mailbox'}</button>
    </div>
  </form>
);

/** Administrators manage the shared mailboxes (support@, sales@) and who may use them. */
export const systemMailboxRoutes = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();
  type Values = { label: string; address: string; enabled: boolean } & SystemMailboxAccess;
  const empty: Values = { label: '', address: '', enabled: true, userIds: [], roles: [] };

  const listPage = async (c: AppContext, values = empty, errors: Record<string, string> = {}) => {
    const mailboxes = (
      await deps.db
        .selectFrom('mailboxes')
        .select('id')
        .where('kind', '=', 'system')
        .orderBy('label')
        .execute()
    ).map((r) => r.id);
    const rows = (await Promise.all(mailboxes.map((id) => findMailbox(deps.db, id)))).filter(
      (m): m is Mailbox => m !== undefined,
    );
    const users = await listUsers(deps.db);
    return renderPage(
      deps,
      c,
      {
        title: 'System mailboxes',
        current: '/settings/system-mailboxes',
        status: Object.keys(errors).length ? 400 : 200,
      },
      (csrf) => (
        <>
          <h1>System mailboxes</h1>
          <p class="lead">
            Shared mailboxes, connected with the Microsoft account of an administrator who has FullAccess to
            them.
          </p>
          {rows.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th>Label</th>
                  <th>Address</th>
                  <th>State</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rows.map((m) => (
                  <tr>
                    <td>{m.label}</td>
                    <td>
                      <a href={`/mailboxes/${m.id}`}>{m.address}</a>
                    </td>
                    <td>
                      <StateBadge mailbox={m} /> {m.enabled ? '' : '(disabled)'}
                    </td>
                    <td>
                      <a href={`/settings/system-mailboxes/${m.id}`}>Edit</a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>Add a system mailbox</h2>
          <SystemMailboxForm
            csrf={csrf}
            action="/settings/system-mailboxes"
            users={users}
            values={values}
            errors={errors}
            editing={false}
          />
        </>
      ),
    );
  };

  app.get('/settings/system-mailboxes', (c) => {
    requireAdmin(c);
    return listPage(c);
  });
  app.post('/settings/system-mailboxes', async (c) => {
    const actor = requireAdmin(c);
    const input = formInput(await c.req.parseBody({ all: true }));
    try {
      const mailbox = await createSystemMailbox(deps.db, actor, input);
      await flash(
        deps,
        c,
        'success',
        `${mailbox.address} was added. Connect it with a Microsoft account that has FullAccess to it.`,
      );
      return c.redirect(`/mailboxes/${mailbox.id}`);
    } catch (error) {
      if (!(error instanceof SystemMailboxError)) throw error;
      return listPage(c, input, error.fields);
    }
  });

  const editPage = async (
    c: AppContext,
    mailbox: Mailbox,
    values?: Values,
    errors: Record<string, string> = {},
  ) => {
    const access = await accessOf(deps.db, mailbox.id);
    const users = await listUsers(deps.db);
    const current = values ?? {
      label: mailbox.label ?? '',
      address: mailbox.address,
      enabled: mailbox.enabled,
      ...access,
    };
    return renderPage(
      deps,
      c,
      {
        title: `System mailbox ${mailbox.label}`,
        current: '/settings/system-mailboxes',
        status: Object.keys(errors).length ? 400 : 200,
      },
      (csrf) => (
        <>
          <h1>{mailbox.label}</h1>
          <p>
            <a href={`/mailboxes/${mailbox.id}`}>Connection and folders</a> ·{' '}
            <a href={`/settings/system-mailboxes/${mailbox.id}/access`}>
              Access: {mailbox.access === 'application' ? 'Application access' : 'Connected by a person'}
            </a>
          </p>
          <SystemMailboxForm
            csrf={csrf}
            action={`/settings/system-mailboxes/${mailbox.id}`}
            users={users}
            values={{ ...current, address: mailbox.address }}
            errors={errors}
            editing
          />
        </>
      ),
    );
  };
  const systemMailbox = async (id: string) => {
    const mailbox = await findMailbox(deps.db, id);
    if (mailbox?.kind !== 'system')
      throw new AppError('request.not_found', 'There is no such system mailbox.');
    return mailbox;
  };
  app.get('/settings/system-mailboxes/:id', async (c) => {
    requireAdmin(c);
    return editPage(c, await systemMailbox(c.req.param('id')));
  });
  app.post('/settings/system-mailboxes/:id', async (c) => {
    const actor = requireAdmin(c);
    const mailbox = await systemMailbox(c.req.param('id'));
    const input = formInput(await c.req.parseBody({ all: true }));
    try {
      await updateSystemMailbox(deps.db, actor, mailbox, input);
      await flash(deps, c, 'success', 'Saved.');
      return c.redirect(`/settings/system-mailboxes/${mailbox.id}`);
    } catch (error) {
      if (!(error instanceof SystemMailboxError)) throw error;
      return editPage(c, mailbox, { ...input, address: mailbox.address }, error.fields);
    }
  });
  return app;
};
