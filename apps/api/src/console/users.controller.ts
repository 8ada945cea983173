import { Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, RequireScope } from '@sb/auth';
import type { Actor } from '@sb/core';
import { DocumentBody, DocumentResponse, IdParam, ValidBody } from '@sb/http';
import { ConsoleUsersService, createInviteSchema, TenantService, updateUserSchema, type CreateInviteInput, type UpdateUserInput } from '@sb/tenancy';
import { consoleUserSchema, inviteSchema, issuedInviteSchema, itemsOf } from '../admin/response-schemas';
import { tenantOf } from '../admin/tenant-of';
import { consoleUserView, inviteView } from './console-views';
import { AdminAudited } from './admin-audit.interceptor';

/** Console users and invites of the caller's tenant (owners and admins; the operator invites too). */
@ApiTags('users')
@ApiBearerAuth()
@AdminAudited()
@Controller()
export class UsersController {
  constructor(
    private readonly users: ConsoleUsersService,
    private readonly tenants: TenantService,
  ) {}

  @Post('v1/tenants/:id/invites')
  @HttpCode(201)
  @RequireScope({ admin: 'admin:users' }, { operator: true })
  @ApiOperation({ summary: 'Invite a person to the console with a role and optional PHI grant → a single-use inviteUrl valid 72 h' })
  @DocumentBody(createInviteSchema)
  @DocumentResponse(issuedInviteSchema, 201)
  async invite(@CurrentActor() actor: Actor, @IdParam('Tenant') id: string, @ValidBody(createInviteSchema) body: CreateInviteInput) {
    const tenant = await this.tenants.getForActor(actor, id);
    const { invite, inviteUrl } = await this.users.invite(actor, tenant.id, body);
    return { ...inviteView(invite), inviteUrl };
  }

  @Get('v1/users')
  @RequireScope({ admin: 'admin:users' })
  @ApiOperation({ summary: "The tenant's console users: role, PHI grant, status, last sign-in" })
  @DocumentResponse(itemsOf(consoleUserSchema))
  async list(@CurrentActor() actor: Actor) {
    return { items: (await this.users.list(tenantOf(actor))).map(consoleUserView) };
  }

  @Patch('v1/users/:id')
  @RequireScope({ admin: 'admin:users' })
  @ApiOperation({ summary: "Change a user's role or PHI grant (admins cannot manage owners; one owner always remains)" })
  @DocumentBody(updateUserSchema)
  @DocumentResponse(consoleUserSchema)
  async update(@CurrentActor() actor: Actor, @IdParam('User') id: string, @ValidBody(updateUserSchema) body: UpdateUserInput) {
    return consoleUserView(await this.users.update(actor, tenantOf(actor), id, body));
  }

  @Post('v1/users/:id/revoke')
  @HttpCode(200)
  @RequireScope({ admin: 'admin:users' })
  @ApiOperation({ summary: 'Revoke a user: sign-in refused and every session ended at once' })
  @DocumentResponse(consoleUserSchema)
  async revoke(@CurrentActor() actor: Actor, @IdParam('User') id: string) {
    return consoleUserView(await this.users.revoke(actor, tenantOf(actor), id));
  }

  @Post('v1/users/:id/reinstate')
  @HttpCode(200)
  @RequireScope({ admin: 'admin:users' })
  @ApiOperation({ summary: 'Reinstate a revoked user: they may sign in again (same role and PHI grant); sessions ended by the revocation stay ended' })
  @DocumentResponse(consoleUserSchema)
  async reinstate(@CurrentActor() actor: Actor, @IdParam('User') id: string) {
    return consoleUserView(await this.users.reinstate(actor, tenantOf(actor), id));
  }

  @Get('v1/invites')
  @RequireScope({ admin: 'admin:users' })
  @ApiOperation({ summary: "The tenant's invites and their status (pending, accepted, expired, revoked)" })
  @DocumentResponse(itemsOf(inviteSchema))
  async listInvites(@CurrentActor() actor: Actor) {
    return { items: (await this.users.listInvites(tenantOf(actor))).map(inviteView) };
  }

  @Post('v1/invites/:id/resend')
  @HttpCode(201)
  @RequireScope({ admin: 'admin:users' })
  @ApiOperation({ summary: 'A new link for an open invite (the old link stops working)' })
  @DocumentResponse(issuedInviteSchema, 201)
  async resend(@CurrentActor() actor: Actor, @IdParam('Invite') id: string) {
    const { invite, inviteUrl } = await this.users.resend(actor, tenantOf(actor), id);
    return { ...inviteView(invite), inviteUrl };
  }

  @Delete('v1/invites/:id')
  @RequireScope({ admin: 'admin:users' })
  @ApiOperation({ summary: 'Revoke an open invite' })
  @DocumentResponse(inviteSchema)
  async revokeInvite(@CurrentActor() actor: Actor, @IdParam('Invite') id: string) {
    return inviteView(await this.users.revokeInvite(actor, tenantOf(actor), id));
  }
}
