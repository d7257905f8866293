import { readFileSync } from 'node:fs';
import { Hono } from 'hono';

const load = (name: string): string => readFileSync(new URL(name, import.meta.url), 'utf8');

/** The one stylesheet and the one small script, served with long caching (their URLs carry no version: fine for a back office). */
export const assetRoutes = (): Hono => {
  const css = load('./style.css');
  const js = load('./client.js');
  const app = new Hono();
  app.get('/assets/style.css', (c) =>
    c.body(css, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' }),
  );
  app.get('/assets/client.js', (c) =>
    c.body(js, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=3600',
    }),
  );
  return app;
};
