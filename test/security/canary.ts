/**
 * A TCP listener on the loopback addresses (127.0.0.1 and ::1, one port) that only counts the
 * connections it receives: an SSRF probe that points the gateway at it proves, beyond the
 * status code, that nothing was fetched (an https client's TLS hello would count too).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { freePort } from '@sb/testing';

export interface Canary {
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => resolve(true));
  });
}

export async function startCanary(): Promise<Canary> {
  const port = await freePort();
  let count = 0;
  const sockets = new Set<Socket>();
  const onConnection = (socket: Socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket)).on('error', () => undefined);
    socket.destroy();
  };
  const servers = [createServer(onConnection), createServer(onConnection)];
  const v4 = await listen(servers[0]!, port, '127.0.0.1');
  if (!v4) throw new Error('canary: cannot listen on 127.0.0.1');
  // Hosts without IPv6 loopback still run the probes; a connection to [::1] then simply fails.
  const v6 = await listen(servers[1]!, port, '::1');
  const listening = v6 ? servers : [servers[0]!];
  return {
    port,
    connections: () => count,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(listening.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
