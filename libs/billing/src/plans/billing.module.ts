import { Module } from '@nestjs/common';
import { InvoiceCloser } from '../invoices/invoice-closer';

/** Plans, tenant billing terms, previews, period close and invoices. */
@Module({ providers: [InvoiceCloser], exports: [InvoiceCloser] })
export class BillingModule {}
