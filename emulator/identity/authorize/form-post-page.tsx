import { htmlDocument } from '../html/layout.tsx';

/**
 * `response_mode=form_post`: a page that POSTs the response to the redirect URI as
 * application/x-www-form-urlencoded (ms-identity-spec.md §5.2), as Microsoft's does with `onload`.
 */
export const formPostDocument = (action: string, fields: readonly (readonly [string, string])[]): string =>
  htmlDocument(
    <html lang="en">
      <head>
        <title>Working...</title>
      </head>
      <body onload="javascript:document.forms[0].submit()">
        <form method="post" name="hiddenform" action={action}>
          {fields.map(([name, value]) => (
            <input type="hidden" name={name} value={value} />
          ))}
          <noscript>
            <p>Script is disabled. Click Submit to continue.</p>
            <input type="submit" value="Submit" />
          </noscript>
        </form>
      </body>
    </html>,
  );
