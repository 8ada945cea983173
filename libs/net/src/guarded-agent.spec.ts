import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createGuardedAgent } from './guarded-agent';
import { guardedFetch } from './guarded-fetch';
import type { Resolver } from './target-policy';

describe('createGuardedAgent', () => {
  let server: Server;
  let port: number;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    server = createServer((_req, res) => res.end('ok'));
    server.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => sockets.clear());

  const loopback: Resolver = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);

  it('reuses one socket for sequential requests to an allowed host', async () => {
    const policy = { allowPrivate: false, allowLoopback: true };
    const agent = createGuardedAgent('http:', policy, { resolver: loopback });
    for (let i = 0; i < 5; i++) {
      const res = await guardedFetch(`http://ehr.test:${port}/x`, {}, policy, { allowHttp: true, agent });
      expect(await res.text()).toBe('ok');
    }
    expect(sockets.size).toBe(1);
    agent.destroy();
  });

  it('vets the address at connect time: a name resolving to loopback is refused when loopback is not allowed', async () => {
    const policy = { allowPrivate: true, allowLoopback: false };
    const agent = createGuardedAgent('http:', policy, { resolver: loopback });
    await expect(guardedFetch(`http://ehr.test:${port}/x`, {}, policy, { allowHttp: true, agent })).rejects.toMatchObject({ reason: 'target_not_allowed' });
    expect(sockets.size).toBe(0);
    agent.destroy();
  });

  it('vets IP-literal hosts, which never reach a lookup', async () => {
    const policy = { allowPrivate: true, allowLoopback: false };
    const agent = createGuardedAgent('http:', policy);
    await expect(guardedFetch(`http://127.0.0.1:${port}/x`, {}, policy, { allowHttp: true, agent })).rejects.toMatchObject({ reason: 'target_not_allowed' });
    expect(sockets.size).toBe(0);
    agent.destroy();
  });
});
