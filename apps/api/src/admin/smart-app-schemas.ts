import { z } from 'zod';

/**
 * Response shapes of the SMART app routes (`/v1/smart-apps`), for the OpenAPI document and so
 * the console's typed client. They describe `smartAppView` (libs/smart); dates are ISO 8601.
 */
const isoDateTime = z.iso.datetime({ offset: true });

export const smartAppSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  clientId: z.string().meta({ description: 'The app’s client_id at the gateway (sbsa_…)' }),
  clientType: z.enum(['public', 'confidential-symmetric', 'confidential-asymmetric']).meta({ description: 'SMART client type: public, client secret, or private_key_jwt with jwksUrl' }),
  confidential: z.boolean(),
  hasSecret: z.boolean().meta({ description: 'A client secret is registered (its value is never shown again)' }),
  jwksUrl: z.string().nullable(),
  launchUrl: z.string(),
  redirectUris: z.array(z.string()),
  scopes: z.array(z.string()).meta({ description: 'The most the app may be granted, canonical (v1 .read written as .rs)' }),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});

export const smartAppWithSecretSchema = smartAppSchema.extend({
  clientSecret: z.string().optional().meta({ description: 'Confidential symmetric apps: the sbss_ client secret, in this response only' }),
});

export const smartAppListSchema = z.object({ items: z.array(smartAppSchema) });
