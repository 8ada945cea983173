import { retryAfterOf } from './bulk-export.service';

describe('retryAfterOf', () => {
  const now = Date.parse('2026-12-03T10:00:00Z');
  it('follows the vendor cadence while the vendor works, within 2–60 s', () => {
    expect(retryAfterOf({ status: 'kicked_off', nextRunAt: new Date(now + 29_500) }, now)).toBe(31);
    expect(retryAfterOf({ status: 'kicked_off', nextRunAt: new Date(now + 600_000) }, now)).toBe(60);
    expect(retryAfterOf({ status: 'kicked_off', nextRunAt: new Date(now - 5_000) }, now)).toBe(2);
    expect(retryAfterOf({ status: 'downloading', nextRunAt: new Date(now + 600_000) }, now)).toBe(2);
  });
});
