import { Csrf } from '../ui/layout.tsx';
import type { Diagnosis, StepResult, TokenReport } from './types.ts';

const STATUS_LABEL: Record<StepResult['status'], string> = { ok: 'OK', failed: 'Failed', skipped: 'Skipped' };
const WHO_LABEL = {
  user: 'The mailbox’s owner',
  administrator: 'An administrator',
  microsoft: 'Nobody (Microsoft is busy)',
  nobody: 'Nobody (try again)',
} as const;

const badgeClass = (status: StepResult['status']) =>
  status === 'ok' ? 'badge on' : status === 'failed' ? 'badge alert' : 'badge';

const TokenClaims = ({ token }: { token: TokenReport }) => (
  <div class="detail mono" data-token-claims={token.resource}>
    aud {token.audience ?? '—'} · scp {token.scopes.join(' ') || '—'} · roles {token.roles.join(' ') || '—'}
    {token.expiresAt ? ` · expires ${token.expiresAt}` : ''}
    <br />
    needed {[...token.needed.scopes, ...token.needed.roles].join(' ') || '—'}
    {token.missing.length > 0 ? ` · missing ${token.missing.join(' ')}` : ''}
  </div>
);

const Step = ({ r }: { r: StepResult }) => (
  <tr data-step={r.step} data-status={r.status}>
    <td>{r.title}</td>
    <td>
      <span class={badgeClass(r.status)}>{STATUS_LABEL[r.status]}</span>
    </td>
    <td>
      {r.message}
      {r.code && <div class="detail mono">Code: {r.code}</div>}
      {r.serverText && <div class="detail mono">Server: {r.serverText}</div>}
      {r.token && <TokenClaims token={r.token} />}
      {r.whoMustAct && r.status === 'failed' && (
        <div class="detail">
          <strong>Who must act:</strong> {WHO_LABEL[r.whoMustAct]}
        </div>
      )}
      {r.fix && (
        <div class="detail">
          <strong>Fix:</strong> <span class="mono">{r.fix}</span>
        </div>
      )}
      {r.status === 'failed' && (
        <div class="detail">
          Documentation:{' '}
          <a class="mono" href={r.docs}>
            {r.docs}
          </a>
        </div>
      )}
    </td>
  </tr>
);

/** One mailbox's walk: the verdict, then every step in order. */
export const DiagnosisView = ({ d }: { d: Diagnosis }) => {
  const broken = d.steps.find((s) => s.step === d.brokenStep);
  return (
    <div class="card" id="diagnosis" data-verdict={d.verdict} data-broken-step={d.brokenStep ?? ''}>
      <div
        class={d.verdict === 'ok' ? 'result ok' : 'result fail'}
        role={d.verdict === 'ok' ? 'status' : 'alert'}
        id="verdict"
      >
        <strong>{d.verdict === 'ok' ? 'Every link works.' : `Broken link: ${broken?.title}.`}</strong>{' '}
        {broken ? broken.message : `Diagnosed ${d.address} at ${d.at.replace('T', ' ').slice(0, 19)} UTC.`}
      </div>
      <table>
        <thead>
          <tr>
            <th>Step</th>
            <th>Result</th>
            <th>What Diagnose found</th>
          </tr>
        </thead>
        <tbody>
          {d.steps.map((r) => (
            <Step r={r} />
          ))}
        </tbody>
      </table>
    </div>
  );
};

export const DiagnosePage = (p: { d: Diagnosis; csrf: string }) => (
  <>
    <h1>Diagnose {p.d.address}</h1>
    <p>
      <a href={`/mailboxes/${p.d.mailboxId}`}>Back to the mailbox</a>
    </p>
    <DiagnosisView d={p.d} />
    <form method="post" action={`/mailboxes/${p.d.mailboxId}/diagnose`}>
      <Csrf token={p.csrf} />
      <button type="submit" class="secondary">
        Diagnose again
      </button>
    </form>
  </>
);

/** Diagnose all: every mailbox by verdict, the broken ones first with their broken link and fix. */
export const DiagnoseAllPage = (p: { all: readonly Diagnosis[]; csrf: string }) => (
  <>
    <h1>Diagnose all mailboxes</h1>
    <p>
      {p.all.filter((d) => d.verdict === 'failed').length} of {p.all.length} mailboxes have a broken link.{' '}
      <a href="/settings/microsoft">Back to Microsoft 365</a>
    </p>
    <table id="diagnose-all">
      <thead>
        <tr>
          <th>Mailbox</th>
          <th>Verdict</th>
          <th>Broken link</th>
          <th>Who must act and fix</th>
        </tr>
      </thead>
      <tbody>
        {p.all.map((d) => {
          const broken = d.steps.find((s) => s.step === d.brokenStep);
          return (
            <tr data-mailbox={d.mailboxId} data-verdict={d.verdict} data-broken-step={d.brokenStep ?? ''}>
              <td>
                {d.kind === 'system' ? <a href={`/mailboxes/${d.mailboxId}`}>{d.address}</a> : d.address}
                <span class="hint"> ({d.kind === 'system' ? 'system' : 'personal'})</span>
              </td>
              <td>
                <span class={d.verdict === 'ok' ? 'badge on' : 'badge alert'}>
                  {d.verdict === 'ok' ? 'OK' : 'Broken'}
                </span>
              </td>
              <td>
                {broken ? (
                  <>
                    {broken.title}: {broken.message}
                    {broken.code && <div class="detail mono">Code: {broken.code}</div>}
                  </>
                ) : (
                  '—'
                )}
              </td>
              <td>
                {broken?.whoMustAct && <strong>{WHO_LABEL[broken.whoMustAct]}: </strong>}
                {broken?.fix && <span class="mono">{broken.fix}</span>}
                {broken && (
                  <div class="detail mono">
                    <a href={broken.docs}>{broken.docs}</a>
                  </div>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
    <form method="post" action="/settings/microsoft/diagnose-all">
      <Csrf token={p.csrf} />
      <button type="submit" class="secondary">
        Diagnose all again
      </button>
    </form>
  </>
);
