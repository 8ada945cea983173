import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@sb/auth';
import { Database } from '@sb/db';
import { RedisService } from '@sb/queue';
import type { Response } from 'express';
import { DocumentResponse } from '@sb/http';
import { healthSchema } from '../admin/response-schemas';

const CHECK_TIMEOUT_MS = 2_000;

async function check(probe: () => Promise<void>): Promise<'up' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
      }),
    ]);
    return 'up';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly db: Database,
    private readonly redis: RedisService,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Readiness: 200 when Postgres and Redis answer, 503 otherwise' })
  @DocumentResponse(healthSchema)
  async health(@Res({ passthrough: true }) res: Response) {
    const [db, redis] = await Promise.all([check(() => this.db.ping()), check(() => this.redis.ping(CHECK_TIMEOUT_MS))]);
    const ok = db === 'up' && redis === 'up';
    res.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable', db, redis };
  }

  @Get('ready')
  @Public()
  @ApiOperation({ summary: 'Readiness probe (same as /health)' })
  @DocumentResponse(healthSchema)
  ready(@Res({ passthrough: true }) res: Response) {
    return this.health(res);
  }

  @Get('live')
  @Public()
  @ApiOperation({ summary: 'Liveness probe: the process is serving' })
  @DocumentResponse(healthSchema)
  live() {
    return { status: 'ok' };
  }
}
