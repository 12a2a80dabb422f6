import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/** Paths the server answers itself; everything else may be a page of the single-page app. */
const SERVER_PREFIXES = ['/socket.io', '/avatars/', '/health', '/readyz', '/metrics'];

/**
 * Serves the built web app from `webDistDir`, so one process on one port is the whole product.
 * Vite's hashed `assets/` are cached for good; `index.html` is revalidated on every visit so a
 * deploy reaches users at once. Page URLs without a file (e.g. `/r/lobby`) get `index.html`.
 */
export function mountWebApp(app: NestExpressApplication, webDistDir: string, logger: Logger): void {
  const indexHtml = join(webDistDir, 'index.html');
  if (!existsSync(indexHtml)) {
    logger.warn(
      `No web app at ${webDistDir}: run \`pnpm build\` (or use \`pnpm dev\`); serving the API only.`,
    );
    return;
  }
  app.useStaticAssets(webDistDir, {
    index: false,
    setHeaders: (res: Response, path: string) => {
      const immutable = path.includes(`${join(webDistDir, 'assets')}`);
      res.setHeader(
        'Cache-Control',
        immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    const isPage =
      (req.method === 'GET' || req.method === 'HEAD') &&
      !SERVER_PREFIXES.some((prefix) => req.path.startsWith(prefix)) &&
      !/\.[a-z0-9]+$/i.test(req.path);
    if (!isPage) {
      next();
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(indexHtml);
  });
}
