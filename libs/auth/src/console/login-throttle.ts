import { Injectable } from '@nestjs/common';
import { ErrorCode, SbError } from '@sb/core';
import { RedisService } from '@sb/queue';
import { createHash } from 'node:crypto';

/** Failed sign-ins are counted over this window, per account and per client address. */
export const LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60;
/** After this many failures on one account, each further attempt waits a little longer… */
export const ACCOUNT_SLOWDOWN_AFTER = 3;
/** …and after this many the account refuses sign-in (429) until the window has passed. */
export const ACCOUNT_LOCK_AFTER = 10;
/** One address failing this often is refused for every account (credential stuffing). */
export const ADDRESS_LOCK_AFTER = 50;
const SLOWDOWN_STEP_MS = 250;
const MAX_SLOWDOWN_MS = 2_000;

const digest = (value: string): string => createHash('sha256').update(value).digest('hex').slice(0, 32);

/**
 * Slows and then refuses repeated failed sign-ins, in Redis so every api process
 * shares the counts. Counted per email whether or not it exists, so the answers
 * never reveal which emails have accounts.
 */
@Injectable()
export class LoginThrottle {
  constructor(private readonly redis: RedisService) {}

  private keys(email: string, address: string): [string, string] {
    const base = `${this.redis.prefix}:console-login`;
    return [`${base}:account:${digest(email.toLowerCase())}`, `${base}:address:${digest(address)}`];
  }

  /** Throws 429 when locked; otherwise waits the slowdown earned by earlier failures. */
  async beforeAttempt(email: string, address: string): Promise<void> {
    const [account, addr] = this.keys(email, address);
    const [a, b, ttlA, ttlB] = await Promise.all([
      this.redis.client.get(account),
      this.redis.client.get(addr),
      this.redis.client.ttl(account),
      this.redis.client.ttl(addr),
    ]);
    const accountFailures = Number(a ?? 0);
    const addressFailures = Number(b ?? 0);
    if (accountFailures >= ACCOUNT_LOCK_AFTER || addressFailures >= ADDRESS_LOCK_AFTER) {
      const retryAfterSeconds = Math.max(1, accountFailures >= ACCOUNT_LOCK_AFTER ? ttlA : ttlB);
      throw new SbError(ErrorCode.TooManyAttempts, 'Too many failed sign-in attempts; try again later', { details: { retryAfterSeconds } });
    }
    const slowdownMs = Math.min(MAX_SLOWDOWN_MS, Math.max(0, accountFailures - ACCOUNT_SLOWDOWN_AFTER + 1) * SLOWDOWN_STEP_MS);
    if (slowdownMs > 0) await new Promise((r) => setTimeout(r, slowdownMs));
  }

  async recordFailure(email: string, address: string): Promise<void> {
    const multi = this.redis.client.multi();
    for (const key of this.keys(email, address)) multi.incr(key).expire(key, LOGIN_FAILURE_WINDOW_SECONDS, 'NX');
    await multi.exec();
  }

  async recordSuccess(email: string, address: string): Promise<void> {
    await this.redis.client.del(this.keys(email, address)[0]);
  }
}
