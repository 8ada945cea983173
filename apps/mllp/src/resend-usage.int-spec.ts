import type { TestingModule } from '@nestjs/testing';
import { ConnectionService, ConnectionsModule } from '@sb/connections';
import { AuditRepository, UsageRepository, type Connection, type UsageEvent } from '@sb/db';
import { Hl7InboundProcessor, Hl7ProcessingModule } from '@sb/hl7-processing';
import { QueueModule } from '@sb/queue';
import { createTestingApp, Fixtures } from '@sb/testing';
import { TenancyModule } from '@sb/tenancy';
import { randomUUID } from 'node:crypto';
import { InboundHandler } from './inbound-handler';
import { MllpModule } from './mllp.module';

// Synthetic message (no real person), HL7 v2.5.1.
const adt = (facility: string, controlId: string) =>
  [
    `MSH|^~\\&|ADT1|${facility}|SWITCHBOARD|GW|20261120101500||ADT^A01^ADT_A01|${controlId}|P|2.5.1`,
    'EVN|A01|20261120101500',
    'PID|1||MRN123^^^HOSP^MR||Synthetic^Person||19700101|U',
    'PV1|1|I|WARD^101^1',
  ].join('\r');

describe('an HL7 resend is metered as a duplicate (real Postgres)', () => {
  let app: TestingModule;
  let handler: InboundHandler;

  beforeAll(async () => {
    app = await createTestingApp([MllpModule, Hl7ProcessingModule, QueueModule, TenancyModule, ConnectionsModule]);
    handler = app.get(InboundHandler);
  });
  afterAll(() => app.close());

  async function feed(environment: 'sandbox' | 'production'): Promise<{ connection: Connection; facility: string }> {
    const { tenant } = await new Fixtures(app).newTenant();
    const facility = `LAB-${randomUUID().slice(0, 8)}`;
    const connection = await app.get(ConnectionService).create(tenant.id, { name: 'Lab feed', vendor: 'hl7v2', environment, hl7SendingFacility: facility, mllpTls: false, hl7AckMode: 'original' });
    return { connection, facility };
  }

  const usageOf = async (connection: Connection): Promise<UsageEvent[]> =>
    (await app.get(UsageRepository).list(connection.tenantId, { limit: 100 })).items.filter((e) => e.connectionId === connection.id);

  const processAll = async () => {
    while ((await app.get(Hl7InboundProcessor).processBatch()) > 0);
  };

  it('bills the processed message once and counts each resend as non-billable hl7.in usage', async () => {
    const { connection, facility } = await feed('production');
    const controlId = `R${randomUUID().slice(0, 8)}`;
    const first = await handler.handle(Buffer.from(adt(facility, controlId)));
    expect(await usageOf(connection)).toEqual([]); // receipt is not the transaction: processing is
    expect(await handler.handle(Buffer.from(adt(facility, controlId)))).toBe(first);
    expect(await handler.handle(Buffer.from(adt(facility, controlId)))).toBe(first);
    await processAll();

    const events = await usageOf(connection);
    const shape = (e: UsageEvent) => ({ operation: e.operation, resourceType: e.resourceType, class: e.class, outcome: e.outcome, billable: e.billable, nonBillableReason: e.nonBillableReason });
    expect(events.map(shape).sort((a, b) => Number(a.billable) - Number(b.billable))).toEqual([
      { operation: 'message.in', resourceType: 'ADT^A01', class: 'hl7.in', outcome: 'success', billable: false, nonBillableReason: 'duplicate' },
      { operation: 'message.in', resourceType: 'ADT^A01', class: 'hl7.in', outcome: 'success', billable: false, nonBillableReason: 'duplicate' },
      { operation: 'message.in', resourceType: 'ADT^A01', class: 'hl7.in', outcome: 'success', billable: true, nonBillableReason: null },
    ]);
    expect(new Set(events.map((e) => e.transactionId)).size).toBe(3);
    // Each duplicate has its audit record.
    for (const e of events) expect(await app.get(AuditRepository).countByTransaction(connection.tenantId, e.transactionId)).toBe(1);
  });

  it('says duplicate (not sandbox) for a resend on a sandbox feed', async () => {
    const { connection, facility } = await feed('sandbox');
    const controlId = `S${randomUUID().slice(0, 8)}`;
    await handler.handle(Buffer.from(adt(facility, controlId)));
    await handler.handle(Buffer.from(adt(facility, controlId)));
    expect((await usageOf(connection)).map((e) => [e.billable, e.nonBillableReason])).toEqual([[false, 'duplicate']]);
  });
});
