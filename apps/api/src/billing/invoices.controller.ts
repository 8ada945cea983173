import { Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';

@ApiTags('billing')
@Controller('v1/billing/invoices')
export class InvoicesController {}
