import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@sb/auth';
import { DocumentBody, DocumentResponse, ValidBody } from '@sb/http';
import { acceptedInviteSchema, inviteDescriptionSchema } from '../admin/response-schemas';
import { acceptInviteSchema, ConsoleUsersService, type AcceptInviteInput } from '@sb/tenancy';
import { AdminAudited } from './admin-audit.interceptor';

/** The invite link's own routes: the token is the credential (it arrives in the URL fragment, the console posts it here). */
@ApiTags('console')
@AdminAudited()
@Controller('v1/console/invites')
export class ConsoleInvitesController {
  constructor(private readonly users: ConsoleUsersService) {}

  @Get(':token')
  @Public()
  @ApiOperation({ summary: 'What an invite is for (email, tenant, role); 404 when unknown or used, 410 when expired' })
  @DocumentResponse(inviteDescriptionSchema)
  async describe(@Param('token') token: string) {
    const invite = await this.users.describeInvite(token);
    return { email: invite.email, tenantName: invite.tenantName, role: invite.role, phi: invite.phiAccess, expiresAt: invite.expiresAt };
  }

  @Post(':token/accept')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Accept an invite: set your name and password (≥ 12 characters, not a common one); single use' })
  @DocumentBody(acceptInviteSchema)
  @DocumentResponse(acceptedInviteSchema)
  async accept(@Param('token') token: string, @ValidBody(acceptInviteSchema) body: AcceptInviteInput) {
    const user = await this.users.accept(token, body);
    return { email: user.email };
  }
}
