import { Controller, Get, Header, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@sb/auth';
import { ConnectionKeysService } from '@sb/connections';
import { notFound } from '@sb/core';
import { ConnectionRepository } from '@sb/db';
import { DocumentResponse } from '@sb/http';
import { jwksSchema } from '../admin/response-schemas';

const JWKS_FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json$/i;

@ApiTags('oauth')
@Controller('.well-known/jwks')
export class ConnectionJwksController {
  constructor(
    private readonly keys: ConnectionKeysService,
    private readonly connections: ConnectionRepository,
  ) {}

  @Get(':file')
  @Public()
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: "A connection's public keys: the JWKS URL a hospital registers for the app" })
  @DocumentResponse(jwksSchema)
  async jwks(@Param('file') file: string) {
    const connectionId = JWKS_FILE.exec(file)?.[1]?.toLowerCase();
    if (!connectionId || !(await this.connections.findTenantOfConnection(connectionId))) throw notFound('JWKS');
    return this.keys.jwks(connectionId);
  }
}
