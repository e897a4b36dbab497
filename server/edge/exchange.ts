import type { HttpResponse } from 'uWebSockets.js';
import type { Readable } from 'node:stream';

/**
 * One HTTP response on the edge, with the uWS rules in one place: an abort handler before anything
 * asynchronous, every write corked, nothing touched after an abort, and bodies sent with `tryEnd` so
 * what the socket does not take stays in the caller's buffer (resumed from `onWritable`), never copied.
 */
export class Exchange {
  aborted = false;
  done = false;
  private abortHandlers: (() => void)[] | undefined;

  constructor(readonly res: HttpResponse) {}

  /** Must run before the first await of a request handler. Idempotent. */
  watchAbort(): void {
    if (this.abortHandlers) return;
    this.abortHandlers = [];
    this.res.onAborted(() => {
      this.aborted = true;
      for (const handler of this.abortHandlers!) handler();
    });
  }

  private onAbort(handler: () => void): void {
    this.watchAbort();
    this.abortHandlers!.push(handler);
  }

  /** Status, headers and no body; `contentLength` is announced for HEAD. */
  endWithoutBody(writeHead: () => void, contentLength?: number): void {
    if (this.aborted) return;
    this.done = true;
    this.res.cork(() => {
      writeHead();
      if (contentLength !== undefined) this.res.writeHeader('Content-Length', String(contentLength));
      this.res.endWithoutBody();
    });
  }

  /**
   * A body that is already in memory (a cached segment or playlist, an error document); `finished` runs
   * once the body is no longer needed (sent, or the request aborted).
   */
  endWith(writeHead: () => void, body: Uint8Array | string, finished?: () => void): void {
    if (this.aborted) {
      finished?.();
      return;
    }
    if (typeof body === 'string' || body.length === 0) {
      this.done = true;
      this.res.cork(() => {
        writeHead();
        this.res.end(body);
      });
      finished?.();
      return;
    }
    let ok = false;
    let ended = false;
    this.res.cork(() => {
      writeHead();
      [ok, ended] = this.res.tryEnd(body, body.length);
    });
    if (ended) {
      this.done = true;
      finished?.();
      return;
    }
    if (ok) {
      // uWS took every byte but has not ended yet (it will without us): nothing of `body` is needed.
      finished?.();
      return;
    }
    this.watchAbort();
    if (finished) this.onAbort(finished);
    this.res.onWritable((offset) => {
      if (this.aborted) return true;
      const [wrote, done] = this.res.tryEnd(body.subarray(offset), body.length);
      if (done) {
        this.done = true;
        finished?.();
      }
      return wrote;
    });
  }

  /** A body streamed from the store: the stream is paused while the socket is full. */
  stream(writeHead: () => void, body: Readable, total: number): void {
    this.watchAbort();
    if (this.aborted) {
      body.destroy();
      return;
    }
    if (total === 0) {
      body.destroy();
      this.endWith(writeHead, '');
      return;
    }
    this.onAbort(() => body.destroy());
    let headWritten = false;
    body.on('data', (chunk: Buffer) => {
      if (this.aborted) return;
      const startOffset = this.res.getWriteOffset();
      let ok = false;
      let finished = false;
      this.res.cork(() => {
        if (!headWritten) {
          headWritten = true;
          writeHead();
        }
        [ok, finished] = this.res.tryEnd(chunk, total);
      });
      if (finished) {
        this.done = true;
        body.destroy();
      } else if (!ok) {
        body.pause();
        this.res.onWritable((offset) => {
          if (this.aborted) return true;
          const [wrote, ended] = this.res.tryEnd(chunk.subarray(offset - startOffset), total);
          if (ended) {
            this.done = true;
            body.destroy();
          } else if (wrote) {
            body.resume();
          }
          return wrote;
        });
      }
    });
    const cut = (): void => {
      // The store delivered fewer bytes than it announced: the client must not take this as the object.
      if (!this.aborted && !this.done) {
        this.done = true;
        this.res.close();
      }
    };
    body.on('error', cut);
    body.on('end', cut);
  }
}
