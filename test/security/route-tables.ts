/**
 * The explicit decisions the generated probes cannot make for themselves. Every operation of
 * the OpenAPI document and the SDL must be probed or named here with a reason, or the catalog
 * probe fails: a new route is either covered automatically or forces a decision.
 */
import type { RequiredScope } from '@sb/core';

/** `@Public()` operations: no credential, so no tenant to cross; why each may be open. */
export const PUBLIC_OPERATIONS: Readonly<Record<string, string>> = {
  HealthController_health: 'liveness/readiness for load balancers; {status, db, redis} only',
  HealthController_ready: 'readiness probe',
  HealthController_live: 'liveness probe',
  OAuthController_token: 'OAuth token endpoint: the client credentials in the request are the authentication',
  OAuthController_jwks: "the gateway's public signing keys",
  ConnectionJwksController_jwks: "a connection's public keys: the JWKS URL a hospital registers (public by design)",
  SmartController_launch: 'SMART EHR launch: the browser arrives from the EHR; `iss` must be a live connection',
  SmartController_callback: "SMART redirect from the EHR; the single-use `state` is the credential",
  SmartController_authorizeGet: 'SMART authorize: the app is identified by client_id, PKCE required',
  SmartController_authorizePost: 'SMART authorize (form post)',
  SmartController_token: 'SMART token endpoint: code + verifier or client authentication',
  SmartController_smartConfiguration_get: 'SMART discovery (.well-known) is public by spec, with open CORS',
  SmartController_smartConfiguration_post: 'same handler as the GET (Nest @All): discovery',
  SmartController_smartConfiguration_put: 'same handler as the GET (Nest @All): discovery',
  SmartController_smartConfiguration_delete: 'same handler as the GET (Nest @All): discovery',
  SmartController_smartConfiguration_patch: 'same handler as the GET (Nest @All): discovery',
  SmartController_smartConfiguration_options: 'same handler as the GET (Nest @All): discovery / CORS preflight',
  SmartController_smartConfiguration_head: 'same handler as the GET (Nest @All): discovery',
  SmartController_smartConfiguration_search: 'same handler as the GET (Nest @All): discovery',
  BulkExportController_signedFile: 'Bulk Data signed file URL: the HMAC signature and expiry are the credential (a forged signature is probed: describeSignedFiles)',
  ConsoleSessionController_signIn: 'console sign-in (email + password)',
  ConsoleInvitesController_describe: 'invite link: the single-use token in the path is the credential',
  ConsoleInvitesController_accept: 'invite acceptance: the single-use token in the path is the credential',
};

/** Tenant-facing operations with a path parameter the generator cannot fill with a real object of A's. */
export const NOT_GENERATED: Readonly<Record<string, string>> = {
  InvoicesController_get:
    'an invoice exists only once a billing period with terms has ended (closing is operator-only and refuses open periods), so no run can make one through the API; the cross-tenant 404 is asserted in apps/api/src/billing/invoices.int-spec.ts',
  InvoicesController_pdf: 'as InvoicesController_get',
};

/**
 * `@Authenticated()` operations whose scope is checked after the guard (the transaction pipeline
 * checks SMART scopes per resource type): the scope a credential lacks to get 403.
 */
export const PIPELINE_SCOPES: Readonly<Record<string, RequiredScope>> = {
  FhirController_read: { resourceType: 'Patient', interaction: 'r' },
  FhirController_search: { resourceType: 'Patient', interaction: 's' },
  FhirController_create: { resourceType: 'Patient', interaction: 'c' },
  FhirController_update: { resourceType: 'Patient', interaction: 'u' },
  Hl7MessagesController_read: { resourceType: 'MessageHeader', interaction: 'r' },
  // Exports need read access to every exported type; the fixture's export holds Patient.
  BulkExportController_groupGet: { resourceType: 'Patient', interaction: 'r' },
  BulkExportController_groupPost: { resourceType: 'Patient', interaction: 'r' },
  BulkExportController_file: { resourceType: 'Patient', interaction: 'r' },
  BulkExportController_cancel: { resourceType: 'Patient', interaction: 'r' },
  'Query.patient': { resourceType: 'Patient', interaction: 'r' },
  'Query.searchPatients': { resourceType: 'Patient', interaction: 's' },
  'Mutation.createNote': { resourceType: 'DocumentReference', interaction: 'c' },
  'Query.openSlots': { resourceType: 'Slot', interaction: 's' },
  'Mutation.bookAppointment': { resourceType: 'Appointment', interaction: 'c' },
};

/** `@Authenticated()` operations any valid credential may call, and why. */
export const ANY_CREDENTIAL: Readonly<Record<string, string>> = {
  EventsController_eventTypes: 'the public event catalog (types and JSON Schemas), no tenant data',
  ConsoleSessionController_getMe: "the caller's own identity",
  ConsoleSessionController_signOut: "ends the caller's own session",
  FhirController_metadata: "the connection's CapabilityStatement (still tenant-checked: BOLA probes)",
  BulkExportController_systemGet: 'Bulk Data kick-off at a level the sandbox EHR does not offer (400 before any scope check); the Group kick-off is scope-probed',
  BulkExportController_systemPost: 'as BulkExportController_systemGet',
  BulkExportController_patientGet: 'as BulkExportController_systemGet',
  BulkExportController_patientPost: 'as BulkExportController_systemGet',
  BulkExportController_groups: "the connection's exportable groups (tenant-checked: BOLA probes)",
  BulkExportController_status: "the caller's own export (tenant-checked: BOLA probes)",
  'Query.viewer': "the caller's own identity",
};

/** GETs whose control (A's own call succeeds) cannot pass in the probes' world, and why. */
export const NO_CONTROL: Readonly<Record<string, string>> = {
  BulkExportController_systemGet: "a kick-off, not a read; the Epic-like sandbox offers Group-level export only (400 for A)",
  BulkExportController_patientGet: 'as BulkExportController_systemGet',
  BulkExportController_groupGet: "a kick-off, not a read; the EHR refuses a second export of the fixture's group this soon (429 for A)",
};
