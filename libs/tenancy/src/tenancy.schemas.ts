import { z } from 'zod';
import { invalidScopes } from '@sb/core';
import { USER_ROLES } from '@sb/db';

const scopeList = z
  .array(z.string().max(128))
  .max(64)
  .superRefine((scopes, ctx) => {
    for (const s of invalidScopes(scopes)) ctx.addIssue({ code: 'custom', message: `unknown scope "${s.slice(0, 64)}"` });
  });

export const createTenantSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  slug: z
    .string()
    .min(2)
    .max(63)
    .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'lowercase letters, digits and inner hyphens only'),
  plan: z.string().trim().min(1).max(64).optional(),
  owner: z.strictObject({ email: z.email().max(254), name: z.string().trim().min(1).max(200) }).optional(),
});
export type CreateTenantInput = z.infer<typeof createTenantSchema>;

export const updateTenantSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    status: z.enum(['active', 'suspended']).optional(),
    plan: z.string().trim().min(1).max(64).optional(),
    /** Bulk Data: manifests carry short-lived signed file URLs (requiresAccessToken: false) instead of requiring the credential. */
    bulkSignedUrls: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required');
export type UpdateTenantInput = z.infer<typeof updateTenantSchema>;

export const createApiKeySchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  scopes: scopeList.optional(),
  expiresAt: z.iso
    .datetime({ offset: true })
    .transform((v) => new Date(v))
    .refine((d) => d.getTime() > Date.now(), 'must be in the future')
    .optional(),
});
export type CreateApiKeyInput = z.infer<typeof createApiKeySchema>;

export const createOAuthClientSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    authMethod: z.enum(['client_secret', 'private_key_jwt']),
    scopes: scopeList.optional(),
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1).max(20) }).optional(),
    jwksUrl: z.url({ protocol: /^https?$/ }).max(2048).optional(),
  })
  .superRefine((v, ctx) => {
    const keySources = Number(v.jwks !== undefined) + Number(v.jwksUrl !== undefined);
    if (v.authMethod === 'private_key_jwt' && keySources !== 1)
      ctx.addIssue({ code: 'custom', path: ['jwks'], message: 'private_key_jwt needs exactly one of jwks or jwksUrl' });
    if (v.authMethod === 'client_secret' && keySources !== 0)
      ctx.addIssue({ code: 'custom', path: ['jwks'], message: 'client_secret clients take no keys' });
  });
export type CreateOAuthClientInput = z.infer<typeof createOAuthClientSchema>;

export const createUserSchema = z.strictObject({
  email: z.email().max(254),
  name: z.string().trim().min(1).max(200),
  role: z.enum(USER_ROLES as [string, ...string[]]),
});

export const createInviteSchema = z.strictObject({
  email: z.email().max(254),
  role: z.enum(USER_ROLES as [string, ...string[]]).transform((r) => r as (typeof USER_ROLES)[number]),
  phi: z.boolean().default(false),
});
export type CreateInviteInput = z.infer<typeof createInviteSchema>;

/** Password rules are checked by the service (they need the email); here only the shape. */
export const acceptInviteSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  password: z.string().min(1).max(1024),
});
export type AcceptInviteInput = z.infer<typeof acceptInviteSchema>;

export const updateUserSchema = z
  .strictObject({
    role: z
      .enum(USER_ROLES as [string, ...string[]])
      .transform((r) => r as (typeof USER_ROLES)[number])
      .optional(),
    phi: z.boolean().optional(),
  })
  .refine((v) => v.role !== undefined || v.phi !== undefined, 'role or phi is required');
export type UpdateUserInput = z.infer<typeof updateUserSchema>;

export const signInSchema = z.strictObject({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(1024),
});
export type SignInInput = z.infer<typeof signInSchema>;

/** `npm run operator:add -- <email> <name>` (operator users are made from the command line only). */
export const newOperatorUserSchema = z.strictObject({ email: z.email().max(254), name: z.string().trim().min(1).max(200) });
