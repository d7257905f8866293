import type { Child } from 'hono/jsx';

const STYLE = `
body{margin:0;font-family:"Segoe UI",Helvetica,Arial,sans-serif;background:#f2f2f2;color:#1b1b1b}
.card{max-width:440px;margin:8vh auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
.logo{font-weight:600;color:#737373;margin-bottom:16px}
h1{font-size:24px;font-weight:600;margin:0 0 16px}
label{display:block;margin:12px 0 4px;font-size:14px}
input[type=email],input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:6px 0;border:0;border-bottom:1px solid #666;font-size:15px}
.buttons{display:flex;gap:8px;justify-content:flex-end;margin-top:24px}
button{min-width:108px;padding:6px 12px;font-size:15px;border:0;cursor:pointer;background:#ccc}
button.primary{background:#0067b8;color:#fff}
.error{color:#e81123;font-size:14px;margin:8px 0}
.small{font-size:13px;color:#555}
ul{padding-left:20px}
.account{width:100%;text-align:left;background:#fff;border:1px solid #ccc;margin:4px 0}
`;

/** The centered card every emulated Microsoft sign-in page uses. */
export const Layout = (props: { title: string; children?: Child }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{props.title}</title>
      <style dangerouslySetInnerHTML={{ __html: STYLE }} />
    </head>
    <body>
      <div class="card">
        <div class="logo">Microsoft (emulated)</div>
        {props.children}
      </div>
    </body>
  </html>
);

/** A full document: `<!DOCTYPE html>` followed by the rendered element. */
export const htmlDocument = (element: unknown): string => `<!DOCTYPE html>${String(element)}`;

/** Buttons right-aligned, the primary one first in the form (so Enter submits it) but shown last. */
export const ButtonRow = (props: { children?: Child }) => (
  <div class="buttons" style="flex-direction:row-reverse;justify-content:flex-start">
    {props.children}
  </div>
);
