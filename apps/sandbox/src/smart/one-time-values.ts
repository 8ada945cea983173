import { createHash, randomBytes } from 'node:crypto';

export type Lookup<T> =
  | { status: 'valid'; value: T }
  | { status: 'expired'; value: T }
  | { status: 'spent'; value: T }
  | { status: 'unknown' };

interface Entry<T> {
  value: T;
  expiresAtMs: number;
  spent: boolean;
}

/** 256 random bits, URL-safe: launch ids, authorization codes, refresh tokens. */
const VALUE_BYTES = 32;
/** Sweeping expired entries on every N-th issue keeps the map bounded without a timer. */
const SWEEP_EVERY = 200;

const keyOf = (value: string): string => createHash('sha256').update(value, 'utf8').digest('base64url');

/**
 * Opaque single-use values (launch ids, authorization codes, refresh tokens)
 * and what each was issued for, in memory. Only a SHA-256 of each value is
 * kept. A redeemed value stays known as spent until it would have expired, so
 * a replay is told apart from a value never issued (RFC 6749 §4.1.2: a reused
 * code should revoke what it was exchanged for).
 */
export class OneTimeValues<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private issued = 0;

  constructor(private readonly now: () => number) {}

  issue(value: T, ttlMs: number): string {
    if (++this.issued % SWEEP_EVERY === 0) this.sweep();
    const secret = randomBytes(VALUE_BYTES).toString('base64url');
    this.entries.set(keyOf(secret), { value, expiresAtMs: this.now() + ttlMs, spent: false });
    return secret;
  }

  /** What `secret` stands for, without spending it. */
  peek(secret: string): Lookup<T> {
    const entry = this.entries.get(keyOf(secret));
    if (!entry) return { status: 'unknown' };
    if (entry.spent) return { status: 'spent', value: entry.value };
    if (entry.expiresAtMs <= this.now()) return { status: 'expired', value: entry.value };
    return { status: 'valid', value: entry.value };
  }

  /** Like peek, and spends the value when it was valid: it never redeems twice. */
  redeem(secret: string): Lookup<T> {
    const found = this.peek(secret);
    if (found.status === 'valid') (this.entries.get(keyOf(secret)) as Entry<T>).spent = true;
    return found;
  }

  /** Forgets a value altogether (afterwards it is unknown). */
  forget(secret: string): void {
    this.entries.delete(keyOf(secret));
  }

  forgetWhere(predicate: (value: T) => boolean): void {
    for (const [key, entry] of this.entries) if (predicate(entry.value)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAtMs <= now) this.entries.delete(key);
  }
}
