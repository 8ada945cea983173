import { Controller, Get, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { GatewayKeyService, Public, TokenService, type TokenRequest } from '@sb/auth';
import { ErrorCode, SbError } from '@sb/core';
import type { Request } from 'express';
import { DocumentResponse } from '@sb/http';
import { jwksSchema, tokenResponseSchema } from '../admin/response-schemas';
import { basicCredentials } from './basic-credentials';

const TOKEN_FIELDS = ['grant_type', 'scope', 'client_id', 'client_secret', 'client_assertion_type', 'client_assertion'] as const;

@ApiTags('oauth')
@Controller()
export class OAuthController {
  constructor(
    private readonly tokens: TokenService,
    private readonly keys: GatewayKeyService,
  ) {}

  @Post('oauth/token')
  @Public()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'OAuth 2.0 client credentials (client_secret_basic, client_secret_post, private_key_jwt)' })
  @DocumentResponse(tokenResponseSchema)
  token(@Req() req: Request) {
    if (!req.is('application/x-www-form-urlencoded')) {
      throw new SbError(ErrorCode.BadRequest, 'Token requests must be application/x-www-form-urlencoded');
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const params: TokenRequest = {};
    for (const field of TOKEN_FIELDS) {
      const value = body[field];
      if (Array.isArray(value)) throw new SbError(ErrorCode.BadRequest, 'Token request parameters must not repeat');
      if (typeof value === 'string') params[field] = value;
    }
    if (req.headers.authorization) {
      const basic = basicCredentials(req.headers.authorization);
      if (!basic) throw new SbError(ErrorCode.InvalidClient, 'Client authentication failed');
      params.basic = basic;
    }
    return this.tokens.issue(params);
  }

  @Get('.well-known/jwks.json')
  @Public()
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: "The gateway's public token-signing keys" })
  @DocumentResponse(jwksSchema)
  jwks() {
    return this.keys.jwks();
  }
}
