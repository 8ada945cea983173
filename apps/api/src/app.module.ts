import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { AuditModule } from '@sb/audit';
import { AuthModule } from '@sb/auth';
import { ConfigModule, loadConfig } from '@sb/config';
import { ClinicalModule } from '@sb/clinical';
import { ConnectionsModule } from '@sb/connections';
import { DbModule } from '@sb/db';
import { Hl7ProcessingModule } from '@sb/hl7-processing';
import { ProblemFilter } from '@sb/http';
import { BillingModule, UsageAdjustmentsModule, UsageAlertsModule, UsageReportsModule } from '@sb/billing';
import { MeteringModule } from '@sb/metering';
import { QueueModule } from '@sb/queue';
import { TenancyModule } from '@sb/tenancy';
import { TransactionsModule } from '@sb/transactions';
import { WebhookEndpointsModule } from '@sb/webhooks';
import { ApiKeysController } from './admin/api-keys.controller';
import { AuditController } from './admin/audit.controller';
import { ConnectionKeysController } from './admin/connection-keys.controller';
import { ConnectionSecretsController } from './admin/connection-secrets.controller';
import { ConnectionsController } from './admin/connections.controller';
import { ConnectionViews } from './admin/connection-views';
import { DiagnosticsController } from './admin/diagnostics.controller';
import { EventsController } from './admin/events.controller';
import { HealthAlertRulesController } from './admin/health-alert-rules.controller';
import { HealthAlertsModule } from '@sb/connection-health';
import { Hl7MessagesController } from './admin/hl7-messages.controller';
import { Hl7QuarantineController } from './admin/hl7-quarantine.controller';
import { OAuthClientsController } from './admin/oauth-clients.controller';
import { SmartAppsController } from './admin/smart-apps.controller';
import { TenantsController } from './admin/tenants.controller';
import { UsageController } from './admin/usage.controller';
import { VaultController } from './admin/vault.controller';
import { WebhookEndpointsController } from './admin/webhook-endpoints.controller';
import { InvoicesController } from './billing/invoices.controller';
import { PlansController } from './billing/plans.controller';
import { TenantBillingController } from './billing/tenant-billing.controller';
import { UsageAdjustmentsController } from './billing/usage-adjustments.controller';
import { UsageAlertRulesController } from './billing/usage-alerts.controller';
import { ConsoleIndexController } from './console/console-index.controller';
import { ConsoleInvitesController } from './console/console-invites.controller';
import { ConsoleSessionController } from './console/console-session.controller';
import { consoleStaticModules } from './console/console-static';
import { UsersController } from './console/users.controller';
import { ClinicalResolver } from './graphql/clinical/clinical.resolver';
import { ConnectionsResolver } from './graphql/connections.resolver';
import { EventsResolver } from './graphql/events.resolver';
import { graphqlOptions } from './graphql/graphql-options';
import { UsageResolver } from './graphql/usage.resolver';
import { ViewerResolver } from './graphql/viewer.resolver';
import { WebhookEndpointsResolver } from './graphql/webhook-endpoints.resolver';
import { BulkExportController } from './fhir/bulk-export.controller';
import { BulkExportsController } from './admin/bulk-exports.controller';
import { BulkExportModule } from '@sb/bulk-export';
import { SmartAppsModule, SmartBrokerModule } from '@sb/smart';
import { FhirController } from './fhir/fhir.controller';
import { SmartController } from './smart/smart.controller';
import { HealthController } from './health/health.controller';
import { ConnectionJwksController } from './oauth/connection-jwks.controller';
import { OAuthController } from './oauth/oauth.controller';

@Module({
  imports: [
    ConfigModule,
    DbModule,
    QueueModule,
    AuthModule,
    TenancyModule,
    TransactionsModule,
    ConnectionsModule,
    ClinicalModule,
    Hl7ProcessingModule,
    MeteringModule,
    BillingModule,
    UsageReportsModule,
    UsageAdjustmentsModule,
    UsageAlertsModule,
    AuditModule,
    WebhookEndpointsModule,
    BulkExportModule,
    SmartAppsModule,
    SmartBrokerModule,
    HealthAlertsModule,
    GraphQLModule.forRootAsync({ driver: graphqlOptions(loadConfig()).driver, useFactory: () => graphqlOptions(loadConfig()) }),
    ...consoleStaticModules(),
  ],
  controllers: [
    // Express walks the routes in this order for every request: the FHIR facade, which carries the proxied calls,
    // comes first (≈ 4 % of the api's CPU per proxied call went to walking ≈ 100 admin routes before reaching it).
    // The SMART controller before the facade: its `.well-known/smart-configuration` must win over `:type/:id`.
    SmartController,
    BulkExportController,
    FhirController,
    HealthController,
    OAuthController,
    TenantsController,
    ApiKeysController,
    OAuthClientsController,
    SmartAppsController,
    ConnectionsController,
    HealthAlertRulesController,
    ConnectionSecretsController,
    ConnectionKeysController,
    Hl7MessagesController,
    Hl7QuarantineController,
    ConnectionJwksController,
    VaultController,
    UsageController,
    PlansController,
    TenantBillingController,
    InvoicesController,
    UsageAdjustmentsController,
    UsageAlertRulesController,
    AuditController,
    DiagnosticsController,
    WebhookEndpointsController,
    EventsController,
    BulkExportsController,
    ConsoleSessionController,
    ConsoleIndexController,
    ConsoleInvitesController,
    UsersController,
  ],
  providers: [ConnectionViews, ViewerResolver, ConnectionsResolver, ClinicalResolver, WebhookEndpointsResolver, EventsResolver, UsageResolver, { provide: APP_FILTER, useClass: ProblemFilter }],
})
export class AppModule {}
