/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type ConnectionEnvironment =
  | 'production'
  | 'sandbox';

/** The health monitor’s status of a connection */
export type ConnectionHealthStatus =
  | 'degraded'
  | 'down'
  | 'healthy'
  | 'unknown';

/** Lifecycle: draft → testing → live → disabled */
export type ConnectionStatus =
  | 'disabled'
  | 'draft'
  | 'live'
  | 'testing';

/** Hospital vendors, plus the built-in echo connection */
export type ConnectionVendor =
  | 'athena'
  | 'echo'
  | 'epic'
  | 'fhir'
  | 'hl7v2'
  | 'oracle';

/** HL7 v2 acknowledgment: original or enhanced mode, or immediate (accepted on receipt) */
export type Hl7AckMode =
  | 'enhanced'
  | 'immediate'
  | 'original';

/** Retiring keys are still published in the JWKS */
export type KeyStatus =
  | 'active'
  | 'retired'
  | 'retiring';

export type ConnectionHealthFieldsFragment = { health: { status: ConnectionHealthStatus, statusSince: string | null, lastCheckAt: string | null, lastCheckError: string | null, errorRate: number, recentCalls: number, lastTestedAt: string | null, lastSuccessAt: string | null, lastErrorAt: string | null, lastErrorCode: string | null, tokenExpiresAt: string | null, expiresSoon: Array<{ kind: string, name: string, at: string }> }, healthChanges: Array<{ from: ConnectionHealthStatus, to: ConnectionHealthStatus, reason: string, errorCode: string | null, eventId: string | null, at: string }> };

export type ConnectionDetailQueryVariables = Exact<{
  id: string | number;
}>;


export type ConnectionDetailQuery = { connection: { id: string, tenantId: string, name: string, vendor: ConnectionVendor, environment: ConnectionEnvironment, status: ConnectionStatus, fhirBaseUrl: string | null, tokenUrl: string | null, athenaPracticeId: string | null, athenaBaseUrl: string | null, departmentIds: Array<string>, changePollSeconds: number | null, changeReplayMinutes: number | null, mllpHost: string | null, mllpPort: number | null, mllpTls: boolean, hl7SendingFacility: string | null, hl7SendingApplication: string | null, hl7AckMode: Hl7AckMode, hl7Silence: Record<string, unknown> | null, clientId: string | null, scopes: Array<string>, authAlg: string | null, clientSecretName: string | null, smartClientId: string | null, smartClientSecretName: string | null, dialect: Record<string, unknown>, createdAt: string, updatedAt: string, athenaEndpoints: { baseUrl: string, tokenUrl: string } | null, secrets: Array<{ name: string, version: number, fingerprint: string, createdAt: string, lastUsedAt: string | null }>, keys: Array<{ kid: string, alg: string, status: KeyStatus, createdAt: string, retiredAt: string | null, jwksUrl: string }>, health: { status: ConnectionHealthStatus, statusSince: string | null, lastCheckAt: string | null, lastCheckError: string | null, errorRate: number, recentCalls: number, lastTestedAt: string | null, lastSuccessAt: string | null, lastErrorAt: string | null, lastErrorCode: string | null, tokenExpiresAt: string | null, expiresSoon: Array<{ kind: string, name: string, at: string }> }, healthChanges: Array<{ from: ConnectionHealthStatus, to: ConnectionHealthStatus, reason: string, errorCode: string | null, eventId: string | null, at: string }> } };

export type ConnectionHealthQueryVariables = Exact<{
  id: string | number;
}>;


export type ConnectionHealthQuery = { connection: { id: string, health: { status: ConnectionHealthStatus, statusSince: string | null, lastCheckAt: string | null, lastCheckError: string | null, errorRate: number, recentCalls: number, lastTestedAt: string | null, lastSuccessAt: string | null, lastErrorAt: string | null, lastErrorCode: string | null, tokenExpiresAt: string | null, expiresSoon: Array<{ kind: string, name: string, at: string }> }, healthChanges: Array<{ from: ConnectionHealthStatus, to: ConnectionHealthStatus, reason: string, errorCode: string | null, eventId: string | null, at: string }> } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const ConnectionHealthFieldsFragmentDoc = new TypedDocumentString(`
    fragment ConnectionHealthFields on Connection {
  health {
    status
    statusSince
    lastCheckAt
    lastCheckError
    errorRate
    recentCalls
    expiresSoon {
      kind
      name
      at
    }
    lastTestedAt
    lastSuccessAt
    lastErrorAt
    lastErrorCode
    tokenExpiresAt
  }
  healthChanges {
    from
    to
    reason
    errorCode
    eventId
    at
  }
}
    `, {"fragmentName":"ConnectionHealthFields"}) as unknown as TypedDocumentString<ConnectionHealthFieldsFragment, unknown>;
export const ConnectionDetailDocument = new TypedDocumentString(`
    query ConnectionDetail($id: ID!) {
  connection(id: $id) {
    id
    tenantId
    name
    vendor
    environment
    status
    fhirBaseUrl
    tokenUrl
    athenaPracticeId
    athenaBaseUrl
    departmentIds
    changePollSeconds
    changeReplayMinutes
    athenaEndpoints {
      baseUrl
      tokenUrl
    }
    mllpHost
    mllpPort
    mllpTls
    hl7SendingFacility
    hl7SendingApplication
    hl7AckMode
    hl7Silence
    clientId
    scopes
    authAlg
    clientSecretName
    smartClientId
    smartClientSecretName
    dialect
    ...ConnectionHealthFields
    createdAt
    updatedAt
    secrets {
      name
      version
      fingerprint
      createdAt
      lastUsedAt
    }
    keys {
      kid
      alg
      status
      createdAt
      retiredAt
      jwksUrl
    }
  }
}
    fragment ConnectionHealthFields on Connection {
  health {
    status
    statusSince
    lastCheckAt
    lastCheckError
    errorRate
    recentCalls
    expiresSoon {
      kind
      name
      at
    }
    lastTestedAt
    lastSuccessAt
    lastErrorAt
    lastErrorCode
    tokenExpiresAt
  }
  healthChanges {
    from
    to
    reason
    errorCode
    eventId
    at
  }
}`) as unknown as TypedDocumentString<ConnectionDetailQuery, ConnectionDetailQueryVariables>;
export const ConnectionHealthDocument = new TypedDocumentString(`
    query ConnectionHealth($id: ID!) {
  connection(id: $id) {
    id
    ...ConnectionHealthFields
  }
}
    fragment ConnectionHealthFields on Connection {
  health {
    status
    statusSince
    lastCheckAt
    lastCheckError
    errorRate
    recentCalls
    expiresSoon {
      kind
      name
      at
    }
    lastTestedAt
    lastSuccessAt
    lastErrorAt
    lastErrorCode
    tokenExpiresAt
  }
  healthChanges {
    from
    to
    reason
    errorCode
    eventId
    at
  }
}`) as unknown as TypedDocumentString<ConnectionHealthQuery, ConnectionHealthQueryVariables>;