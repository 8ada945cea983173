import { Global, Module } from '@nestjs/common';
import { ConnectionCache } from './connection-cache';
import { Database } from './database';
import { HotPathPool } from './hot-path-pool';
import { OutboxNotifications } from './outbox-notifications';
import { PrismaService } from './prisma.service';
import { ApiKeyRepository } from './repositories/api-key.repository';
import { AthenaChangeRepository } from './repositories/athena-change.repository';
import { AuditRepository } from './repositories/audit.repository';
import { BulkExportRepository } from './repositories/bulk-export.repository';
import { BillingPlanRepository } from './repositories/billing-plan.repository';
import { CallRecordRepository } from './repositories/call-record.repository';
import { ConnectionKeyRepository } from './repositories/connection-key.repository';
import { ConnectionRepository } from './repositories/connection.repository';
import { ConsoleInviteRepository } from './repositories/console-invite.repository';
import { ConsoleSessionRepository } from './repositories/console-session.repository';
import { ConsoleUserRepository } from './repositories/console-user.repository';
import { ClinicalStoreRepository } from './repositories/clinical-store.repository';
import { EventRepository } from './repositories/event.repository';
import { Hl7InboundRepository } from './repositories/hl7-inbound.repository';
import { Hl7OutboundRepository } from './repositories/hl7-outbound.repository';
import { IdempotencyRepository } from './repositories/idempotency.repository';
import { InvoiceRepository } from './repositories/invoice.repository';
import { OAuthClientRepository } from './repositories/oauth-client.repository';
import { OperatorUserRepository } from './repositories/operator-user.repository';
import { SecretRepository } from './repositories/secret.repository';
import { SmartLaunchRepository } from './repositories/smart-launch.repository';
import { SigningKeyRepository } from './repositories/signing-key.repository';
import { SmartAppRepository } from './repositories/smart-app.repository';
import { TenantRepository } from './repositories/tenant.repository';
import { UsageRepository } from './repositories/usage.repository';
import { BillableCsvExport } from './repositories/billable-csv-export';
import { UsageReportRepository } from './repositories/usage-report.repository';
import { UsageReconciliationRepository } from './repositories/usage-reconciliation.repository';
import { UsageAdjustmentRepository } from './repositories/usage-adjustment.repository';
import { UsageAlertRepository } from './repositories/usage-alert.repository';
import { ConnectionHealthRepository } from './repositories/connection-health.repository';
import { HealthAlertRepository } from './repositories/health-alert.repository';
import { MllpPeerCertificateRepository } from './repositories/mllp-peer-certificate.repository';
import { WebhookDeliveryRepository } from './repositories/webhook-delivery.repository';
import { WebhookEndpointRepository } from './repositories/webhook-endpoint.repository';

const repositories = [
  TenantRepository,
  ConsoleUserRepository,
  ConsoleSessionRepository,
  ConsoleInviteRepository,
  OperatorUserRepository,
  ApiKeyRepository,
  OAuthClientRepository,
  SigningKeyRepository,
  ConnectionRepository,
  ConnectionKeyRepository,
  MllpPeerCertificateRepository,
  SecretRepository,
  IdempotencyRepository,
  Hl7InboundRepository,
  EventRepository,
  Hl7OutboundRepository,
  ClinicalStoreRepository,
  UsageRepository,
  UsageReportRepository,
  BillableCsvExport,
  UsageReconciliationRepository,
  UsageAdjustmentRepository,
  UsageAlertRepository,
  ConnectionHealthRepository,
  HealthAlertRepository,
  AuditRepository,
  CallRecordRepository,
  WebhookDeliveryRepository,
  WebhookEndpointRepository,
  AthenaChangeRepository,
  BillingPlanRepository,
  InvoiceRepository,
  BulkExportRepository,
  SmartLaunchRepository,
  SmartAppRepository,
];

@Global()
@Module({
  providers: [PrismaService, HotPathPool, Database, OutboxNotifications, ConnectionCache, ...repositories],
  exports: [Database, OutboxNotifications, ConnectionCache, ...repositories],
})
export class DbModule {}
