import { Socket } from 'node:net';

/**
 * Every read of every RTMP socket lands here. By default Node gives each read an ArrayBuffer of its own:
 * external memory, which at a few hundred megabytes a second made V8 scavenge and mark-compact for
 * "external memory pressure" every few tens of megabytes. One buffer serves all sockets because a session
 * parses each read to its end synchronously and copies whatever outlives it (message bodies into its
 * arena, split headers and handshake bytes into buffers of their own).
 */
const SHARED_READ_BUFFER = Buffer.allocUnsafeSlow(64 * 1024);

/** What the accepted Socket wraps; absent when Node no longer exposes it. */
interface AcceptedHandle {
  _handle?: object | null;
}

/**
 * Moves a socket accepted by a server created with `pauseOnConnect` onto a Socket that reads into the
 * shared buffer and hands each read to `onData`; returns the Socket to use from now on. Node offers
 * `onread` only to Sockets built around a handle, not to accepted ones, so the accepted Socket gives up
 * its handle. It stays open, without a handle, until the new Socket closes: the server counts it as its
 * connection, and `server.close()` waits for it. Where Node does not expose the handle, the accepted
 * Socket itself is used, with reads in buffers of their own.
 */
export function readIntoSharedBuffer(accepted: Socket, onData: (data: Buffer) => void): Socket {
  const handle = (accepted as unknown as AcceptedHandle)._handle;
  if (!handle) {
    accepted.on('data', onData);
    accepted.resume();
    return accepted;
  }
  (accepted as unknown as AcceptedHandle)._handle = null;
  const socket = new Socket({
    handle,
    readable: true,
    writable: true,
    onread: {
      buffer: SHARED_READ_BUFFER,
      callback: (length: number, buffer: Uint8Array) => {
        onData((buffer as Buffer).subarray(0, length));
      },
    },
  } as ConstructorParameters<typeof Socket>[0]);
  socket.once('close', () => accepted.destroy());
  return socket;
}
