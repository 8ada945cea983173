import { Module } from '@nestjs/common';
import { AuditModule } from '@sb/audit';
import { UsageRollupModule } from '@sb/metering';
import { BillingSummaryExport } from '../invoices/billing-summary-export';
import { InvoiceCloser } from '../invoices/invoice-closer';
import { InvoiceService } from '../invoices/invoice.service';
import { PreviewService } from '../invoices/preview.service';
import { PlansService } from './plans.service';
import { TenantBillingService } from './tenant-billing.service';

const providers = [PlansService, TenantBillingService, PreviewService, InvoiceService, InvoiceCloser, BillingSummaryExport];

/** Plans, tenant billing terms, previews, period close and invoices. */
@Module({ imports: [AuditModule, UsageRollupModule], providers, exports: providers })
export class BillingModule {}
