import { Injectable } from '@nestjs/common';
import { ErrorCode, SbError, type Actor } from '@sb/core';
import { TransactionPipeline } from './transaction-pipeline';

export interface EchoResult {
  transactionId: string;
  connectionId: string;
  /** A FHIR Parameters resource carrying the message back. */
  echo: { resourceType: 'Parameters'; parameter: { name: string; valueString?: string; valueDateTime?: string }[] };
}

/**
 * The built-in `echo` connection type: answers with what it was sent, through the
 * full pipeline, so a tenant can prove its credentials, scopes, metering and audit
 * work end to end before any hospital is connected.
 */
@Injectable()
export class EchoService {
  constructor(private readonly pipeline: TransactionPipeline) {}

  async echo(actor: Actor, tenantId: string, connectionId: string, message: string, patientRef: string | null): Promise<EchoResult> {
    const { transactionId, result } = await this.pipeline.run(
      { tenantId, connectionId, operation: 'echo', resourceType: 'Parameters', actor, patientRef },
      {
        call: async ({ connection }) => {
          if (connection.vendor !== 'echo') throw new SbError(ErrorCode.BadRequest, 'Connection is not an echo connection');
          return {
            resourceType: 'Parameters' as const,
            parameter: [
              { name: 'message', valueString: message },
              { name: 'receivedAt', valueDateTime: new Date().toISOString() },
            ],
          };
        },
      },
    );
    return { transactionId, connectionId, echo: result };
  }
}
