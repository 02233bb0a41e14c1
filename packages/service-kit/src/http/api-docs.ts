import { dirname } from 'node:path';
import express, { type Router } from 'express';
import type { OpenApiDocument } from '@ticketing/contracts';
import { AppError } from '../errors/app-error';

/** Swagger UI's own files, from the pinned `swagger-ui-dist` package (no CDN: nothing leaves the machine). */
const SWAGGER_UI_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>API documentation</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body>
</html>
`;
// A file of its own, not inline, so a Content-Security-Policy without 'unsafe-inline' still allows it.
const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

/** `/openapi.json` (the service's OpenAPI 3.1 document) and `/docs` (Swagger UI reading it). */
export function apiDocsRouter(document: OpenApiDocument): Router {
  const router = express.Router();
  const json = JSON.stringify(document);
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(json);
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(DOCS_INIT);
  });
  router.use('/docs', express.static(SWAGGER_UI_DIR, { index: false, maxAge: '1h' }));
  return router;
}

/** A known path with a method it does not take: `405` with `Allow`, for every path of the document. */
export function methodNotAllowedRouter(document: OpenApiDocument): Router {
  const router = express.Router();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const methods = (['get', 'post', 'put', 'patch', 'delete'] as const).filter((method) => item?.[method] !== undefined).map((method) => method.toUpperCase());
    router.all(path.replace(/\{([^}]+)\}/g, ':$1'), (_req, res, next) => {
      res.setHeader('Allow', methods.join(', '));
      next(new AppError('COMMON.METHOD_NOT_ALLOWED', `Use ${methods.join(' or ')} on ${path}`));
    });
  }
  return router;
}
