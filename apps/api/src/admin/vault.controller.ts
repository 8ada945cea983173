import { Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OperatorOnly } from '@sb/auth';
import { notFound } from '@sb/core';
import { SecretRepository } from '@sb/db';
import { JobName, QueueName, QueueService } from '@sb/queue';
import { KMS_PROVIDER, type KmsProvider } from '@sb/vault';
import { DocumentResponse } from '@sb/http';
import { kekStatusSchema, rotationJobSchema, rotationStatusSchema } from './response-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

/** One rotation at a time: a second request while one runs returns the same job. */
const ROTATION_JOB_ID = 'vault-kek-rotation';

@ApiTags('vault')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/vault')
export class VaultController {
  constructor(
    private readonly queues: QueueService,
    private readonly secrets: SecretRepository,
    @Inject(KMS_PROVIDER) private readonly kms: KmsProvider,
  ) {}

  @Get('keks')
  @OperatorOnly()
  @ApiOperation({ summary: 'The primary KEK and how many secret versions each KEK still wraps (operator only)' })
  @DocumentResponse(kekStatusSchema)
  async keks() {
    const primary = await this.kms.primaryKek();
    return { primary: { provider: this.kms.name, ...primary }, wrapped: await this.secrets.countByKek() };
  }

  @Post('rotations')
  @HttpCode(202)
  @OperatorOnly()
  @ApiOperation({ summary: 'Re-wrap every data key under the primary KEK, in the worker (resumable; operator only)' })
  @DocumentResponse(rotationJobSchema, 202)
  async rotate() {
    const queue = this.queues.queue(QueueName.Maintenance);
    const existing = await queue.getJob(ROTATION_JOB_ID);
    const state = await existing?.getState();
    if (existing && state !== 'completed' && state !== 'failed') return { jobId: existing.id, state };
    await existing?.remove();
    const job = await this.queues.enqueue(JobName.RotateKek, null, {}, { jobId: ROTATION_JOB_ID, attempts: 3 });
    return { jobId: job.id, state: await job.getState() };
  }

  @Get('rotations/current')
  @OperatorOnly()
  @ApiOperation({ summary: 'Progress and result of the latest KEK rotation' })
  @DocumentResponse(rotationStatusSchema)
  async rotation() {
    // The state is read before the job's fields: completing a job writes its result and moves it in one step, so a job read
    // after it was seen completed always carries the result (read the other way round, a job finishing in between did not).
    const queue = this.queues.queue(QueueName.Maintenance);
    const state = await queue.getJobState(ROTATION_JOB_ID);
    const job = await queue.getJob(ROTATION_JOB_ID);
    if (!job || state === 'unknown') throw notFound('Rotation');
    return { jobId: job.id, state, progress: job.progress, result: job.returnvalue ?? null, failedReason: job.failedReason ? 'rotation failed' : null };
  }
}
