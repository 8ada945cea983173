import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const CLIENTS_FILE = 'sandbox-clients.json';

const epicClientSchema = z.object({ vendor: z.literal('epic'), clientId: z.string(), jwksUrl: z.string(), createdAt: z.string() });
const oracleClientSchema = z.object({
  vendor: z.literal('oracle'),
  clientId: z.string(),
  /** Only the secret's SHA-256 is kept; the secret is in the registration response alone. */
  secretSha256: z.string(),
  tenantId: z.string(),
  createdAt: z.string(),
});
const athenaClientSchema = z.object({
  vendor: z.literal('athena'),
  clientId: z.string(),
  /** As for Oracle: only the secret's SHA-256 is kept. */
  secretSha256: z.string(),
  /** The practices the app is granted (athena answers 401 "Incorrect permissions." for any other). */
  practiceIds: z.array(z.string()).min(1),
  createdAt: z.string(),
});
const fileSchema = z.object({ version: z.literal(1), clients: z.array(z.discriminatedUnion('vendor', [epicClientSchema, oracleClientSchema, athenaClientSchema])) });

export type EpicClient = z.infer<typeof epicClientSchema>;
export type OracleClient = z.infer<typeof oracleClientSchema>;
export type AthenaClient = z.infer<typeof athenaClientSchema>;
export type SandboxClient = EpicClient | OracleClient | AthenaClient;

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The clients registered with the simulated EHRs, as a hospital's app
 * registration would hold them. Kept in `${stateDir}/sandbox-clients.json`
 * (mode 0600) so a restart keeps connections working. Client ids are unique
 * across vendors: registering an id again replaces the earlier registration.
 */
export class ClientRegistry {
  private readonly clients = new Map<string, SandboxClient>();
  private readonly path: string;

  constructor(private readonly stateDir: string) {
    this.path = join(stateDir, CLIENTS_FILE);
    if (existsSync(this.path)) {
      const parsed = fileSchema.safeParse(JSON.parse(readFileSync(this.path, 'utf8')));
      if (!parsed.success) throw new Error(`${this.path} is not a sandbox client file; move it away to start fresh`);
      for (const client of parsed.data.clients) this.clients.set(client.clientId, client);
    }
  }

  registerEpic(clientId: string, jwksUrl: string): EpicClient {
    const client: EpicClient = { vendor: 'epic', clientId, jwksUrl, createdAt: new Date().toISOString() };
    this.clients.set(clientId, client);
    this.save();
    return client;
  }

  /** A new secret every time; the tenant is kept when the client is registered again. */
  registerOracle(options: { clientId?: string; tenantId?: string }): { client: OracleClient; clientSecret: string } {
    const clientId = options.clientId ?? randomUUID();
    const previous = this.clients.get(clientId);
    const tenantId = options.tenantId ?? (previous?.vendor === 'oracle' ? previous.tenantId : randomUUID());
    const clientSecret = randomBytes(32).toString('base64url');
    const client: OracleClient = { vendor: 'oracle', clientId, secretSha256: sha256(clientSecret), tenantId, createdAt: new Date().toISOString() };
    this.clients.set(clientId, client);
    this.save();
    return { client, clientSecret };
  }

  /** A new secret every time; the grants are replaced by `practiceIds`. */
  registerAthena(options: { clientId?: string; practiceIds: string[] }): { client: AthenaClient; clientSecret: string } {
    const clientId = options.clientId ?? randomUUID();
    const clientSecret = randomBytes(32).toString('base64url');
    const client: AthenaClient = { vendor: 'athena', clientId, secretSha256: sha256(clientSecret), practiceIds: [...new Set(options.practiceIds)], createdAt: new Date().toISOString() };
    this.clients.set(clientId, client);
    this.save();
    return { client, clientSecret };
  }

  get(clientId: string): SandboxClient | undefined {
    return this.clients.get(clientId);
  }

  list(): SandboxClient[] {
    return [...this.clients.values()];
  }

  remove(clientId: string): boolean {
    const removed = this.clients.delete(clientId);
    if (removed) this.save();
    return removed;
  }

  hasTenant(tenantId: string): boolean {
    for (const c of this.clients.values()) if (c.vendor === 'oracle' && c.tenantId === tenantId) return true;
    return false;
  }

  /** Constant-time comparison of a presented secret with the stored hash. */
  static secretMatches(client: OracleClient | AthenaClient, secret: string): boolean {
    const presented = Buffer.from(sha256(secret), 'hex');
    const stored = Buffer.from(client.secretSha256, 'hex');
    return presented.length === stored.length && timingSafeEqual(presented, stored);
  }

  private save(): void {
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ version: 1, clients: this.list() }, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.path);
  }
}
