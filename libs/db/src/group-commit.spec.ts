import { GroupCommit, statementGaveUpWaiting } from './group-commit';

describe('GroupCommit', () => {
  it('writes the items of concurrent callers in one batch, and what arrives during a write in the next', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const group = new GroupCommit<number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
    });
    const first = [1, 2, 3].map((n) => group.submit(n));
    await new Promise((r) => setImmediate(r));
    const second = [4, 5].map((n) => group.submit(n));
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1, 2, 3]]);
    release();
    await Promise.all([...first, ...second]);
    expect(batches).toEqual([[1, 2, 3], [4, 5]]);
  });

  it('settles a caller only once its batch has been written', async () => {
    let release: () => void = () => undefined;
    const group = new GroupCommit<number>(() => new Promise<void>((r) => (release = r)));
    let settled = false;
    const submitted = group.submit(1).then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    release();
    await submitted;
    expect(settled).toBe(true);
  });

  it('when a batch fails, writes its items one by one so only the bad one fails', async () => {
    const written: number[] = [];
    const group = new GroupCommit<number>(async (items) => {
      if (items.includes(13)) throw new Error('constraint');
      written.push(...items);
    });
    const results = await Promise.allSettled([1, 13, 2].map((n) => group.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(written.sort()).toEqual([1, 2]);
  });

  it('fails every caller of a batch at once on an error that is not about one item (a statement timeout), without writing them one by one', async () => {
    let writes = 0;
    const timeout = Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
    const group = new GroupCommit<number>(() => {
      writes += 1;
      return Promise.reject(timeout);
    });
    const results = await Promise.allSettled([1, 2, 3].map((n) => group.submit(n)));
    expect(results.map((r) => (r.status === 'rejected' ? r.reason : r.status))).toEqual([timeout, timeout, timeout]);
    expect(writes).toBe(1);
  });

  it('tells a statement that gave up waiting from failures worth writing again row by row', () => {
    const pgError = (code: string) => Object.assign(new Error('postgres'), { code });
    for (const code of ['57014', '55P03', '25P03']) expect(statementGaveUpWaiting(pgError(code))).toBe(true);
    // A deadlock, a serialization failure, a killed backend, data and integrity errors, PL/pgSQL's raise, Prisma's codes.
    for (const code of ['40P01', '40001', '57P01', '08006', '22P02', '23505', 'P0001', 'P2002']) expect(statementGaveUpWaiting(pgError(code))).toBe(false);
    expect(statementGaveUpWaiting(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(statementGaveUpWaiting(null)).toBe(false);
  });
});
