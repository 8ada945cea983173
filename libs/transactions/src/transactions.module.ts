import { Module } from '@nestjs/common';
import { EchoService } from './echo.service';
import { TransactionPipeline } from './transaction-pipeline';

@Module({
  providers: [TransactionPipeline, EchoService],
  exports: [TransactionPipeline, EchoService],
})
export class TransactionsModule {}
