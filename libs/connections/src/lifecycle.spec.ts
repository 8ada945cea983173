import type { Connection } from '@sb/db';
import { assertTransition } from './lifecycle';

const at = new Date('2026-01-01T00:00:00Z');
const connection = (overrides: Partial<Connection>): Connection =>
  ({ vendor: 'epic', status: 'draft', lastTestedAt: null, lastSuccessAt: null, ...overrides }) as Connection;

describe('assertTransition', () => {
  it('allows draft → testing and testing → live after a passing test', () => {
    expect(() => assertTransition(connection({}), 'testing')).not.toThrow();
    expect(() => assertTransition(connection({ status: 'testing', lastTestedAt: at, lastSuccessAt: at }), 'live')).not.toThrow();
  });

  it('refuses live without a passing last test', () => {
    expect(() => assertTransition(connection({ status: 'testing' }), 'live')).toThrow(/passing test/);
    const failedLast = connection({ status: 'testing', lastTestedAt: new Date(at.getTime() + 1000), lastSuccessAt: at });
    expect(() => assertTransition(failedLast, 'live')).toThrow(/passing test/);
  });

  it('refuses skipping a step', () => {
    expect(() => assertTransition(connection({ lastTestedAt: at, lastSuccessAt: at }), 'live')).toThrow(/not allowed/);
  });
});
