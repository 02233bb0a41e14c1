import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Router } from 'express';

const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'";

/**
 * The pages: the waiting room at `/` and the operator dashboard at `/ops`, built by `npm run build`
 * (esbuild, scripts/build-web.mjs) into `dir`. The page learns the identity mode from a meta tag: in
 * `dev` it asks for a user name, in `jwt` it takes the host site's bearer token.
 */
export function webRoutes(dir: string, authMode: 'dev' | 'jwt'): Router {
  const router = express.Router();
  if (!existsSync(join(dir, 'index.html'))) return router;
  const page = (file: string) => readFileSync(join(dir, file), 'utf8').replace('{{AUTH_MODE}}', authMode);
  const waitingRoom = page('index.html');
  const dashboard = page('ops.html');
  const html = (body: string) => (_req: express.Request, res: express.Response) => {
    // Scripts, styles and calls only from this origin: an injected script or a foreign one cannot run.
    res.set({ 'Cache-Control': 'no-cache', 'Content-Security-Policy': CONTENT_SECURITY_POLICY }).type('html').send(body);
  };
  router.get('/', html(waitingRoom));
  router.get('/ops', html(dashboard));
  router.use('/assets', express.static(join(dir, 'assets'), { index: false, maxAge: '1h' }));
  return router;
}
