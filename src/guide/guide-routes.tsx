import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { raw } from 'hono/html';
import type { AppContext, AppDeps, AppEnv } from '../http/context.ts';
import { renderPage } from '../http/render.tsx';
import { renderMarkdown } from './markdown.ts';

/** docs/ of the repository (and of a build: `npm run build` copies it to dist/docs). */
const DOCS_DIR = fileURLToPath(new URL('../../docs/', import.meta.url));

interface GuidePage {
  readonly title: string;
  readonly html: string;
}

/** The guide's pages and pictures, read once at start: a name is served only if it is one of them. */
const loadGuide = (dir: string) => {
  const pages = new Map<string, GuidePage>();
  const images = new Map<string, Buffer>();
  if (!existsSync(dir)) return { pages, images };
  for (const file of readdirSync(dir).filter((f) => /^[a-z0-9-]+\.md$/.test(f))) {
    const markdown = readFileSync(join(dir, file), 'utf8');
    const title = /^# (.+)$/m.exec(markdown)?.[1] ?? 'Guide';
    pages.set(file.replace(/\.md$/, ''), { title, html: renderMarkdown(markdown) });
  }
  const imageDir = join(dir, 'images');
  if (existsSync(imageDir))
    for (const file of readdirSync(imageDir).filter((f) => /^[a-z0-9-]+\.png$/.test(f)))
      images.set(file, readFileSync(join(imageDir, file)));
  return { pages, images };
};

/**
 * The guide (docs/*.md) at /docs and /docs/{page}, its pictures at /docs/images/{name}.png: public, like
 * the explanations that link to it (a refused sign-in's page is seen signed out).
 */
export const guideRoutes = (deps: AppDeps, dir = DOCS_DIR): Hono<AppEnv> => {
  const guide = loadGuide(dir);
  const app = new Hono<AppEnv>();
  const show = async (c: AppContext, name: string) => {
    const page = guide.pages.get(name);
    if (!page)
      return renderPage(deps, c, { title: 'Not in the guide', status: 404 }, () => (
        <div class="card">
          <h1>Not in the guide</h1>
          <p>
            The guide has no page {name}. Start from <a href="/docs">its contents</a>.
          </p>
        </div>
      ));
    return renderPage(deps, c, { title: page.title }, () => (
      <article class="card guide">{raw(page.html)}</article>
    ));
  };
  app.get('/docs', (c) => show(c, 'index'));
  app.get('/docs/images/:file', (c) => {
    const bytes = guide.images.get(c.req.param('file'));
    if (!bytes) return c.text('Not found', 404);
    return c.body(new Uint8Array(bytes), 200, {
      'content-type': 'image/png',
      'cache-control': 'public, max-age=3600',
    });
  });
  app.get('/docs/:page', (c) => show(c, c.req.param('page')));
  return app;
};
