import type { Context } from 'hono';
import { htmlDocument, Layout } from '../html/layout.tsx';

/** `GET /error?code=N`, the target of every `error_uri` (Microsoft's error lookup page, reduced to the code). */
export const errorCodePage = () => (c: Context) => {
  const code = /^\d{1,8}$/.test(c.req.query('code') ?? '') ? c.req.query('code') : null;
  return c.html(
    htmlDocument(
      <Layout title="Error lookup">
        <h1>Error lookup</h1>
        <p>{code ? `AADSTS${code}` : 'Enter an error code.'}</p>
        <p class="small">See ms-identity-spec.md for what this error means in the emulator.</p>
      </Layout>,
    ),
  );
};
