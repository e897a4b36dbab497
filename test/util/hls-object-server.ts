import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObjectStore } from '../../engine/store/object-store.js';

export interface ObjectServer {
  /** `http://127.0.0.1:{port}/` — objects of the bucket are at `{url}{key}`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves one bucket's objects over HTTP (GET by key, with the stored Content-Type) plus fixed extra
 * files (a player page, a script), so ffmpeg and a browser can read playlists the way a CDN would.
 */
export async function serveObjects(
  objects: ObjectStore,
  bucket: string,
  extra: Readonly<Record<string, { type: string; body: string | Buffer }>> = {},
): Promise<ObjectServer> {
  const server = createServer((req, res) => {
    const key = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
    const fixed = extra[key];
    if (fixed) {
      res.writeHead(200, { 'content-type': fixed.type, 'cache-control': 'no-store' });
      res.end(fixed.body);
      return;
    }
    objects.readAll(bucket, key).then(
      (found) => {
        if (!found) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': found.info.contentType, 'cache-control': 'no-store' });
        res.end(found.body);
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
