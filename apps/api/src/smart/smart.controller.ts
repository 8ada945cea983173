import { All, Controller, Get, HttpCode, Options, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@sb/auth';
import { ConnectionRepository } from '@sb/db';
import { DocumentResponse, IdParam } from '@sb/http';
import { errorPage, SmartBrokerService, SmartOAuthError, SmartTokenService, smartConfigurationOf, tokenError, type SmartTokenRequest } from '@sb/smart';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { noStore, sendOAuthError } from './smart-error-page';
import { allowCors } from './smart-cors';
import { basicCredentials } from '../oauth/basic-credentials';

const redirectSchema = z.object({}).meta({ description: 'A 302 redirect (Location), or an HTML error page' });
const tokenResponseSchema = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int(),
  scope: z.string(),
  patient: z.string().optional(),
  encounter: z.string().optional(),
  need_patient_banner: z.boolean(),
  id_token: z.string().optional(),
  refresh_token: z.string().optional(),
});
const smartConfigurationSchema = z.object({ issuer: z.string(), authorization_endpoint: z.string(), token_endpoint: z.string(), capabilities: z.array(z.string()) }).loose();

const TOKEN_FIELDS = ['grant_type', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'client_id', 'client_secret', 'client_assertion_type', 'client_assertion'] as const;

/** Query or form parameters as single strings; a repeated parameter is an error (RFC 6749 §3.1). */
function singleParams(source: unknown): Record<string, string | undefined> | null {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries((source ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(v)) return null;
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/**
 * SMART App Launch through the gateway (issue 15): the EHR's launch and callback (upstream leg),
 * the app's authorize and token endpoints (downstream leg) and each connection's discovery.
 */
@ApiTags('smart')
@Controller()
export class SmartController {
  constructor(
    private readonly broker: SmartBrokerService,
    private readonly tokens: SmartTokenService,
    private readonly connections: ConnectionRepository,
  ) {}

  private async redirect(res: Response, next: () => Promise<string>): Promise<void> {
    noStore(res);
    try {
      res.redirect(302, await next());
    } catch (e) {
      if (e instanceof SmartOAuthError) return sendOAuthError(res, e);
      throw e;
    }
  }

  @Get('smart/launch')
  @Public()
  @ApiOperation({ summary: "The EHR's launch URL for the gateway: `iss` (a live connection's FHIR base), `launch`, optional `app` (the SMART app's client id)" })
  @DocumentResponse(redirectSchema, 302, 'To the EHR authorize endpoint')
  launch(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.redirect(res, async () => this.broker.ehrLaunch((singleParams(req.query) ?? {}) as Record<string, string>));
  }

  @Get('smart/callback')
  @Public()
  @ApiOperation({ summary: "The redirect URI the hospital registers at the EHR: the EHR's answer, then on to the app" })
  @DocumentResponse(redirectSchema, 302, 'To the app (launch URL or redirect URI)')
  callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.redirect(res, async () => this.broker.callback(singleParams(req.query) ?? {}));
  }

  @Get('smart/authorize')
  @Public()
  @ApiOperation({ summary: "The app's SMART authorization request (PKCE S256 required)" })
  @DocumentResponse(redirectSchema, 302, "To the app's redirect URI with code and state")
  authorizeGet(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.authorize(req.query, res);
  }

  @Post('smart/authorize')
  @Public()
  @ApiOperation({ summary: 'The same authorization request as a form post (authorize-post)' })
  @DocumentResponse(redirectSchema, 302, "To the app's redirect URI with code and state")
  authorizePost(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.authorize(req.body, res);
  }

  private authorize(source: unknown, res: Response): Promise<void> {
    return this.redirect(res, async () => {
      const params = singleParams(source);
      if (!params) throw errorPage('invalid_request', 'Parameters must not repeat');
      return this.broker.authorize(params);
    });
  }

  @Options('smart/token')
  @Public()
  @ApiExcludeEndpoint()
  tokenPreflight(@Req() req: Request, @Res() res: Response): void {
    allowCors(req, res);
    res.status(204).end();
  }

  @Post('smart/token')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'SMART token endpoint: authorization_code (with code_verifier) and refresh_token (rotated)' })
  @DocumentResponse(tokenResponseSchema)
  async token(@Req() req: Request, @Res() res: Response): Promise<void> {
    allowCors(req, res);
    noStore(res);
    try {
      if (!req.is('application/x-www-form-urlencoded')) throw tokenError('invalid_request', 'Token requests must be application/x-www-form-urlencoded');
      const body = singleParams(req.body);
      if (!body) throw tokenError('invalid_request', 'Parameters must not repeat');
      const params: SmartTokenRequest = {};
      for (const field of TOKEN_FIELDS) if (body[field] !== undefined) params[field] = body[field];
      const basic = basicCredentials(req.headers.authorization);
      if (basic === null) throw tokenError('invalid_client', 'Client authentication failed', 401);
      if (basic) params.basic = basic;
      res.status(200).json(await this.tokens.token(params));
    } catch (e) {
      if (e instanceof SmartOAuthError) return sendOAuthError(res, e);
      throw e;
    }
  }

  @All('fhir/r4/:connectionId/.well-known/smart-configuration')
  @Public()
  @ApiOperation({ summary: "A connection's SMART configuration (JSON whatever the Accept header; CORS open)" })
  @DocumentResponse(smartConfigurationSchema)
  async smartConfiguration(@IdParam('Connection', 'connectionId') connectionId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    allowCors(req, res);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    const tenantId = await this.connections.findTenantOfConnection(connectionId);
    const connection = tenantId ? await this.connections.findById(tenantId, connectionId) : null;
    if (!connection || connection.status !== 'live' || !connection.smartClientId || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.status(404).json({ error: 'not_found', error_description: 'No SMART launch on this FHIR base' });
      return;
    }
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.status(200).json(smartConfigurationOf(this.broker.urls, connectionId));
  }
}
