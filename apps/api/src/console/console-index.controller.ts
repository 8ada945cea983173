import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import { Public } from '@sb/auth';
import { notFound } from '@sb/core';
import type { Response } from 'express';
import { join } from 'node:path';
import { consoleDistDir, setConsoleHeaders } from './console-static';

/**
 * `GET /console` itself answers the app (200), where the static handler would
 * redirect to `/console/`; every deeper path is served by `@nestjs/serve-static`.
 */
@Controller()
export class ConsoleIndexController {
  @Get('console')
  @Public()
  @ApiExcludeEndpoint()
  index(@Res() res: Response): void {
    const dir = consoleDistDir();
    if (!dir) throw notFound('Console build (run `npm run build`)');
    setConsoleHeaders(res, 'no-cache');
    res.sendFile(join(dir, 'index.html'));
  }
}
