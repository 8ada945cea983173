import { listenHostFor } from './sandbox-server';
import { startTestSandbox } from './testing/sandbox-harness';

describe('listenHostFor', () => {
  it.each([
    ['http://127.0.0.1:4000', '127.0.0.1'],
    ['http://localhost:4000', '127.0.0.1'],
    ['http://[::1]:4000', '::1'],
    ['http://10.1.2.3:4000', '10.1.2.3'],
    ['http://sandbox:4000', '0.0.0.0'],
  ])('binds %s to %s', (url, host) => {
    expect(listenHostFor(url)).toBe(host);
  });
});

describe('startSandbox', () => {
  it('serves on a free port, advertises its own origin, and closes', async () => {
    const sandbox = await startTestSandbox();
    expect(sandbox.url).toBe(`http://127.0.0.1:${sandbox.port}`);
    const res = await fetch(`${sandbox.url}/nowhere`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toContain('/athena/v1/{practiceid}');
    await sandbox.dispose();
    await expect(fetch(`${sandbox.url}/_sandbox/health`)).rejects.toThrow();
  });
});
