import { AUDIT_CHAIN_IDLE_MS, AuditChainLoop } from './audit-chain.loop';
import type { AuditService } from './audit.service';

describe('AuditChainLoop rounds', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('goes again at once while a round reached its cap of tenants, then waits the idle pause', async () => {
    const answers = [{ linked: 900, more: true }, { linked: 40, more: false }];
    const roundsAt: number[] = [];
    const chainer = {
      chainAll: () => {
        roundsAt.push(Date.now());
        return Promise.resolve(answers.shift() ?? { linked: 0, more: false });
      },
    } as unknown as AuditService;
    const loop = new AuditChainLoop(chainer);
    loop.start();
    await jest.advanceTimersByTimeAsync(AUDIT_CHAIN_IDLE_MS + 100);
    const stopping = loop.stop();
    await jest.advanceTimersByTimeAsync(0);
    await stopping;
    expect(roundsAt).toEqual([0, 0, AUDIT_CHAIN_IDLE_MS]);
  });
});
