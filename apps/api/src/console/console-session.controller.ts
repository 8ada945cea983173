import { Controller, Delete, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, clearedSessionCookie, ConsoleSessionService, CurrentActor, Public, sessionCookie, type SessionActor, type SessionRequest } from '@sb/auth';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ErrorCode, SbError, type Actor } from '@sb/core';
import { OperatorUserRepository, TenantRepository } from '@sb/db';
import { DocumentBody, DocumentResponse, ValidBody } from '@sb/http';
import { ConsoleUsersService, signInSchema, type SignInInput } from '@sb/tenancy';
import type { Request, Response } from 'express';
import { consoleSessionSchema } from '../admin/response-schemas';
import { meView, operatorMeView } from './console-views';
import { AdminAudited } from './admin-audit.interceptor';

/** A tenant user's or an operator user's session; the admin token and API credentials have none. */
const sessionActorOf = (actor: Actor): SessionActor => {
  if (actor.type === 'user') return actor;
  if (actor.type === 'operator' && actor.sessionId !== undefined) return { ...actor, sessionId: actor.sessionId };
  throw new SbError(ErrorCode.Forbidden, 'Only a console session has a signed-in user');
};
const sessionEnded = (): SbError => new SbError(ErrorCode.Unauthenticated, 'Your session has ended; sign in again');

@ApiTags('console')
@AdminAudited()
@Controller('v1/console')
export class ConsoleSessionController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: ConsoleSessionService,
    private readonly users: ConsoleUsersService,
    private readonly tenants: TenantRepository,
    private readonly operatorUsers: OperatorUserRepository,
  ) {}

  @Post('session')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Sign in to the console: sets an HttpOnly session cookie and returns the user, role, scopes and CSRF token' })
  @DocumentBody(signInSchema)
  @DocumentResponse(consoleSessionSchema)
  async signIn(@ValidBody(signInSchema) body: SignInInput, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const signedIn = await this.sessions.signIn(body.email, body.password, req.socket.remoteAddress ?? 'unknown');
    const maxAgeSeconds = Math.floor((signedIn.expiresAt.getTime() - Date.now()) / 1000);
    res.setHeader('Set-Cookie', sessionCookie(this.config.publicUrl, signedIn.token, maxAgeSeconds));
    res.setHeader('Cache-Control', 'no-store');
    return this.me(signedIn.actor, signedIn.csrfToken);
  }

  @Get('me')
  @Authenticated()
  @ApiOperation({ summary: 'The signed-in user, tenant, role, PHI grant, scopes and the CSRF token for writes (an operator user: tenant null, role operator)' })
  @DocumentResponse(consoleSessionSchema)
  async getMe(@CurrentActor() actor: Actor, @Req() req: SessionRequest) {
    return this.me(sessionActorOf(actor), req.consoleCsrfToken ?? '');
  }

  @Delete('session')
  @HttpCode(204)
  @Authenticated()
  @ApiOperation({ summary: 'Sign out: ends the session and clears the cookie' })
  async signOut(@CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.sessions.signOut(sessionActorOf(actor));
    res.setHeader('Set-Cookie', clearedSessionCookie(this.config.publicUrl));
  }

  private async me(actor: SessionActor, csrfToken: string) {
    if (actor.type === 'operator') {
      const operatorUser = await this.operatorUsers.findById(actor.id);
      if (!operatorUser) throw sessionEnded();
      return operatorMeView(operatorUser, csrfToken);
    }
    const [user, tenant] = await Promise.all([this.users.get(actor.tenantId, actor.id), this.tenants.findById(actor.tenantId)]);
    if (!tenant) throw sessionEnded();
    return meView(actor, user, tenant, csrfToken);
  }
}
