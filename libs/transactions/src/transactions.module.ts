import { Module } from '@nestjs/common';
import { AuditModule } from '@sb/audit';
import { MeteringModule } from '@sb/metering';
import { EchoService } from './echo.service';
import { TransactionPipeline } from './transaction-pipeline';

@Module({
  imports: [AuditModule, MeteringModule],
  providers: [TransactionPipeline, EchoService],
  exports: [TransactionPipeline, EchoService],
})
export class TransactionsModule {}
