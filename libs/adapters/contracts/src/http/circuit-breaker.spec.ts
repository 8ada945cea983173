import { CircuitBreaker } from './circuit-breaker';

describe('CircuitBreaker', () => {
  let now = 0;
  const breaker = () => new CircuitBreaker(3, 1000, () => now);
  beforeEach(() => {
    now = 0;
  });

  it('opens after consecutive failures and fails fast until the open period ends', () => {
    const b = breaker();
    b.failed();
    b.failed();
    expect(b.allow()).toBe(true);
    b.failed();
    expect(b.allow()).toBe(false);
    expect(b.retryAfterMs()).toBe(1000);
    now = 999;
    expect(b.allow()).toBe(false);
  });

  it('lets exactly one trial through when half-open, and closes on its success', () => {
    const b = breaker();
    [1, 2, 3].forEach(() => b.failed());
    now = 1000;
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(false);
    b.succeeded();
    expect(b.state).toBe('closed');
    expect(b.allow()).toBe(true);
  });

  it('re-opens when the trial fails', () => {
    const b = breaker();
    [1, 2, 3].forEach(() => b.failed());
    now = 1000;
    b.allow();
    b.failed();
    expect(b.allow()).toBe(false);
    expect(b.state).toBe('open');
  });

  it('a success resets the failure count', () => {
    const b = breaker();
    b.failed();
    b.failed();
    b.succeeded();
    b.failed();
    b.failed();
    expect(b.allow()).toBe(true);
  });
});
