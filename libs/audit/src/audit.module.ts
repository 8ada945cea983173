import { Module } from '@nestjs/common';
import { AuditChainLoop } from './audit-chain.loop';
import { AuditService } from './audit.service';

@Module({ providers: [AuditService, AuditChainLoop], exports: [AuditService, AuditChainLoop] })
export class AuditModule {}
