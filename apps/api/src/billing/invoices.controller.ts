import { Controller, Get, HttpCode, Post, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentActor, OperatorOnly, RequireScope } from '@sb/auth';
import { InvoiceService, parseInvoiceDocument, PreviewService, scopeOf } from '@sb/billing';
import { ErrorCode, SbError, type Actor } from '@sb/core';
import type { InvoiceSummary, InvoiceWithDocument } from '@sb/db';
import { DocumentBody, DocumentResponse, IdParam, ValidBody, ValidQuery } from '@sb/http';
import type { Response } from 'express';
import type { z } from 'zod';
import { itemsOf } from '../admin/response-schemas';
import {
  closeBodySchema,
  invoiceDetailSchema,
  invoiceListQuerySchema,
  invoiceSummarySchema,
  invoiceViewSchema,
  previewQuerySchema,
  type CloseBody,
  type PreviewQuery,
} from './billing-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

const summaryView = (i: InvoiceSummary) => ({
  id: i.id,
  tenantId: i.tenantId,
  number: i.number,
  period: { id: i.periodId, start: i.periodStart, end: i.periodEnd, timezone: i.timezone },
  currency: i.currency,
  planId: i.planId,
  planVersion: i.planVersion,
  total: i.total,
  sha256: i.sha256,
  finalizedAt: i.finalizedAt,
});

const detailView = (i: InvoiceWithDocument) => {
  const doc = parseInvoiceDocument(i.document);
  return { ...summaryView(i), document: i.document, subtotal: doc.subtotal, quantities: doc.quantities, lines: doc.lines };
};

@ApiTags('billing')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/billing/invoices')
export class InvoicesController {
  constructor(
    private readonly previews: PreviewService,
    private readonly invoices: InvoiceService,
  ) {}

  @Get('preview')
  @RequireScope({ admin: 'usage:read' }, { operator: true })
  @ApiOperation({
    summary: 'The draft invoice of a period (the finalized one once closed)',
    description:
      'Usage from the period totals plus outstanding adjustments, rated with the plan version of the period’s terms, plus correction lines for adjustments of closed periods. The operator names `tenantId`. A tenant without billing terms gets `plan: null`, no lines and total "0" in USD. With `asOf` (spend at the same point of another period): a draft of the usage before that instant at 15-minute resolution (the rollups starting before it), patients first seen and connections gone live before it, without adjustments or correction lines, even for a closed period (rated under its plan version); 400 `validation_failed` when `asOf` is not after the period’s start or is after its end.',
  })
  @DocumentResponse(invoiceViewSchema)
  preview(@CurrentActor() actor: Actor, @ValidQuery(previewQuerySchema) query: PreviewQuery) {
    const tenantId = tenantFor(actor, query.tenantId);
    return query.asOf ? this.previews.previewAsOf(tenantId, query.period, query.asOf) : this.previews.preview(tenantId, query.period);
  }

  @Post('close')
  @HttpCode(201)
  @OperatorOnly()
  @ApiOperation({
    summary: 'Finalize an ended period now, grace or not (operator)',
    description: '409 `period_open` before the period ends, 409 `already_closed` when it has its invoice, 409 `conflict` when it has no billing terms or its usage is still being rolled up (retry).',
  })
  @DocumentBody(closeBodySchema)
  @DocumentResponse(invoiceSummarySchema, 201)
  async close(@CurrentActor() actor: Actor, @ValidBody(closeBodySchema) body: CloseBody) {
    return summaryView(await this.invoices.close(actor, body.tenantId, body.period));
  }

  @Get()
  @RequireScope({ admin: 'usage:read' }, { operator: true })
  @ApiOperation({ summary: 'Finalized invoices, newest period first (a tenant’s own; the operator: one tenant’s or all)' })
  @DocumentResponse(itemsOf(invoiceSummarySchema))
  async list(@CurrentActor() actor: Actor, @ValidQuery(invoiceListQuerySchema) query: z.output<typeof invoiceListQuerySchema>) {
    return { items: (await this.invoices.list(actor, query.tenantId)).map(summaryView) };
  }

  @Get(':id')
  @RequireScope({ admin: 'usage:read' }, { operator: true })
  @ApiOperation({ summary: 'A finalized invoice with its document (lines with their computation)' })
  @DocumentResponse(invoiceDetailSchema)
  async get(@CurrentActor() actor: Actor, @IdParam('Invoice') id: string) {
    return detailView(await this.invoices.get(actor, id));
  }

  @Get(':id/pdf')
  @RequireScope({ admin: 'usage:read' }, { operator: true })
  @ApiOperation({ summary: 'The invoice as finalized, as a PDF' })
  @ApiProduces('application/pdf')
  @ApiResponse({ status: 200, description: 'The PDF', content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } } })
  async pdf(@CurrentActor() actor: Actor, @IdParam('Invoice') id: string, @Res({ passthrough: true }) res: Response) {
    const { number, pdf } = await this.invoices.pdf(actor, id);
    res.setHeader('content-type', 'application/pdf');
    res.setHeader('content-disposition', `inline; filename="${number}.pdf"`);
    return new StreamableFile(pdf);
  }
}

/** The tenant a read acts on: a tenant credential's own (naming another is a 404); the operator must name one. */
function tenantFor(actor: Actor, tenantId: string | undefined): string {
  if (actor.type === 'operator' && tenantId === undefined) {
    throw new SbError(ErrorCode.ValidationFailed, 'Request validation failed', { issues: [{ path: 'tenantId', message: 'required for the operator' }] });
  }
  return scopeOf(actor, tenantId) as string;
}
