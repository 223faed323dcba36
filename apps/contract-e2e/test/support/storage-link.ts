import net from 'node:net';
import { freePort } from '@tapes/testing';

/**
 * The network path between one app and its PostgreSQL database, which a test can cut and restore:
 * `cut()` resets every open connection and stops listening (new connections are refused), as when
 * the server stops or the network drops; `restore()` listens again on the same port. The app is
 * given {@link StorageLink.url}; the test keeps reading the database directly.
 *
 * The same idea as libs/testing's `createTcpOutageProxy`, with one difference that matters under
 * parallel load: this one listens on a port from {@link freePort}, outside the ephemeral range.
 * A port the kernel handed out for `listen(0)` is, while the link is cut, free for any outgoing
 * connection on the machine to take as its local port, and `restore()` would then fail.
 */
export class StorageLink {
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;

  private constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
    readonly url: string,
  ) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  static async open(databaseUrl: string): Promise<StorageLink> {
    const target = new URL(databaseUrl);
    const port = await freePort();
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    const link = new StorageLink({ host: target.hostname, port: Number(target.port || 5432) }, port, url.toString());
    await link.restore();
    return link;
  }

  /** Storage "stops": open connections are reset, new ones refused. */
  cut(): Promise<void> {
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Storage is back on the same address. */
  restore(): Promise<void> {
    if (this.server.listening) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return this.cut();
  }
}
