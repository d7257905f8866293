import type { Context } from 'hono';
import type { Directory } from '../../state/directory.ts';
import { now } from '../../state/directory.ts';
import { htmlDocument, Layout } from '../html/layout.tsx';
import type { AadError } from './aad-error.ts';
import { type ErrorStamp, stampError } from './envelope.ts';

/** The last error page shown, per directory, for the control API ("list … last page error", §16). */
export interface PageError {
  readonly aadsts: number;
  readonly error: string;
  readonly message: string;
  readonly traceId: string;
  readonly at: number;
}

const lastErrors = new WeakMap<Directory, PageError>();

export const lastPageError = (dir: Directory): PageError | undefined => lastErrors.get(dir);

const ErrorCard = (props: { err: AadError; stamp: ErrorStamp }) => (
  <Layout title="Sign in to your account">
    <h1>Sign in</h1>
    <p id="error-title">Sorry, but we're having trouble signing you in.</p>
    <div class="small" id="error-details">
      <p>
        Request Id: <span id="request-id">{props.stamp.traceId}</span>
        <br />
        Correlation Id: <span id="correlation-id">{props.stamp.correlationId}</span>
        <br />
        Timestamp: <span id="timestamp">{props.stamp.timestamp}</span>
        <br />
        Message: <span id="message">{props.err.message}</span>
      </p>
    </div>
  </Layout>
);

/**
 * Errors Microsoft shows on its own page instead of redirecting, because the client or the redirect
 * target can't be trusted (ms-identity-spec.md §5.4). HTTP 400 ([?] Microsoft may answer 200) so that
 * scripted clients notice.
 */
export const errorPage = (dir: Directory, c: Context, err: AadError): Response => {
  const stamp = stampError(now(dir), c.req.query('client-request-id'));
  lastErrors.set(dir, {
    aadsts: err.aadsts,
    error: err.error,
    message: err.message,
    traceId: stamp.traceId,
    at: now(dir),
  });
  return c.html(htmlDocument(<ErrorCard err={err} stamp={stamp} />), 400, {
    'x-ms-request-id': stamp.traceId,
  });
};
