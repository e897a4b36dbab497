import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { spawnServer, type ChildServer } from './child.js';
import { freePort } from './free-port.js';

export const NGINX = '/usr/sbin/nginx';
export const NGINX_RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

export function nginxAvailable(): boolean {
  return existsSync(NGINX) && existsSync(NGINX_RTMP_MODULE);
}

export interface NginxServer extends ChildServer {
  readonly rtmpPort: number;
  readonly httpPort: number;
  /** `{hlsDir}/{stream}/index.m3u8` and its fragments (hls_nested). */
  readonly hlsDir: string;
  /** Served at `http://127.0.0.1:{httpPort}/…`. */
  readonly wwwDir: string;
}

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/**
 * nginx with nginx-rtmp as the reference: one worker process (the CPU we compare is that process), HLS
 * on with `fragSeconds` fragments and nothing cleaned up, so the output holds every frame pushed; an HTTP
 * server on the same worker serving `wwwDir` as the HTTP reference.
 */
export async function startNginx(dir: string, fragSeconds: number): Promise<NginxServer> {
  const rtmpPort = await freePort();
  const httpPort = await freePort();
  const hlsDir = join(dir, 'hls');
  const wwwDir = join(dir, 'www');
  for (const d of [hlsDir, wwwDir, join(dir, 'logs'), join(dir, 'tmp')]) mkdirSync(d, { recursive: true });
  const conf = `
load_module ${NGINX_RTMP_MODULE};
daemon off;
master_process off;
worker_processes 1;
error_log ${join(dir, 'logs', 'error.log')} warn;
pid ${join(dir, 'nginx.pid')};
events { worker_connections 8192; }
rtmp {
  server {
    listen 127.0.0.1:${rtmpPort};
    chunk_size 4096;
    application live {
      live on;
      record off;
      hls on;
      hls_path ${hlsDir};
      hls_nested on;
      hls_fragment ${fragSeconds}s;
      hls_playlist_length 86400s;
      hls_cleanup off;
    }
  }
}
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path ${join(dir, 'tmp')};
  proxy_temp_path ${join(dir, 'tmp')};
  fastcgi_temp_path ${join(dir, 'tmp')};
  uwsgi_temp_path ${join(dir, 'tmp')};
  scgi_temp_path ${join(dir, 'tmp')};
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  server {
    listen 127.0.0.1:${httpPort};
    root ${wwwDir};
    # What a player needs and the edge sends too (nginx-rtmp's own HLS example sets Cache-Control).
    add_header Access-Control-Allow-Origin *;
    location ~ \\.m3u8$ { add_header Access-Control-Allow-Origin *; add_header Cache-Control "public, max-age=1"; }
    location ~ \\.ts$ { add_header Access-Control-Allow-Origin *; add_header Cache-Control "public, max-age=31536000, immutable"; }
  }
}
`;
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, conf);
  const server = await spawnServer(NGINX, ['-p', dir, '-c', confPath], {
    ready: async () => (await canConnect(rtmpPort)) && (await canConnect(httpPort)),
  });
  return { ...server, rtmpPort, httpPort, hlsDir, wwwDir };
}
