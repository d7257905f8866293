import { MoreInTheGuide } from '../guide/more-in-the-guide.tsx';
import type { AppContext, AppDeps } from '../http/context.ts';
import { renderPage } from '../http/render.tsx';
import { type Refusal, refusalText } from './refusal.ts';

/** Logs a refused sign-in (codes and ids, never tokens) and shows what happened and what to do. */
export const showRefusal = async (
  deps: AppDeps,
  c: AppContext,
  refusal: Refusal,
  adminConsentHint = false,
) => {
  const text = refusalText(refusal, adminConsentHint);
  const at = new Date().toISOString();
  deps.log.warn(
    {
      event: 'signin.microsoft_refused',
      refusal: refusal.code,
      reason: refusal.reason,
      aadsts: refusal.aadsts ?? undefined,
      traceId: refusal.traceId ?? undefined,
      correlationId: refusal.correlationId ?? undefined,
    },
    'Microsoft sign-in refused',
  );
  const details = [
    ['Code', refusal.code],
    ['Reason', refusal.reason],
    ['AADSTS', refusal.aadsts ? `AADSTS${refusal.aadsts}` : undefined],
    ['Trace ID', refusal.traceId ?? undefined],
    ['Correlation ID', refusal.correlationId ?? undefined],
    ['Time', at],
  ].filter((d): d is [string, string] => typeof d[1] === 'string');
  return renderPage(
    deps,
    c,
    {
      title: text.title,
      narrow: true,
      status: text.status === 502 || text.status === 503 ? 500 : text.status,
    },
    () => (
      <div class="card" id="refusal" data-code={refusal.code}>
        <h1>{text.title}</h1>
        <p>{text.happened}</p>
        <p>
          <strong>What to do:</strong> {text.todo}
          <MoreInTheGuide code={[refusal.aadsts ? `AADSTS${refusal.aadsts}` : null, refusal.code]} />
        </p>
        <div class="actions">
          <a class="button" href="/signin">
            Back to sign-in
          </a>
        </div>
        <h2>Details for your administrator</h2>
        <table>
          <tbody>
            {details.map(([k, v]) => (
              <tr>
                <th>{k}</th>
                <td class="mono">{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    ),
  );
};
