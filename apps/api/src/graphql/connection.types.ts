import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ASSERTION_ALGS, VENDORS } from '@sb/connections';
import { JSONObjectScalar } from './json.scalar';
import type { Hl7Silence } from '@sb/db';

/** GraphQL enums from the lists the zod schemas use, so the two cannot drift. */
const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const HospitalVendorEnum = enumOf(VENDORS);
export const ConnectionVendorEnum = enumOf(['echo', ...VENDORS]);
export const ConnectionEnvironmentEnum = enumOf(['sandbox', 'production'] as const);
export const ConnectionStatusEnum = enumOf(['draft', 'testing', 'live', 'disabled'] as const);
export const KeyAlgorithmEnum = enumOf(ASSERTION_ALGS);
export const KeyStatusEnum = enumOf(['active', 'retiring', 'retired'] as const);
export const TestStepStatusEnum = enumOf(['passed', 'warning', 'failed', 'skipped'] as const);
export const Hl7AckModeEnum = enumOf(['original', 'enhanced', 'immediate'] as const);
export const HealthStatusEnum = enumOf(['unknown', 'healthy', 'degraded', 'down'] as const);

registerEnumType(HospitalVendorEnum, { name: 'HospitalVendor', description: 'Vendors a connection can be created for' });
registerEnumType(ConnectionVendorEnum, { name: 'ConnectionVendor', description: 'Hospital vendors, plus the built-in echo connection' });
registerEnumType(ConnectionEnvironmentEnum, { name: 'ConnectionEnvironment' });
registerEnumType(ConnectionStatusEnum, { name: 'ConnectionStatus', description: 'Lifecycle: draft → testing → live → disabled' });
registerEnumType(KeyAlgorithmEnum, { name: 'KeyAlgorithm' });
registerEnumType(HealthStatusEnum, { name: 'ConnectionHealthStatus', description: 'The health monitor’s status of a connection' });
registerEnumType(KeyStatusEnum, { name: 'KeyStatus', description: 'Retiring keys are still published in the JWKS' });
registerEnumType(TestStepStatusEnum, {
  name: 'ConnectionTestStepStatus',
  description: 'warning: the check found something to act on that does not stop the connection working',
});
registerEnumType(Hl7AckModeEnum, { name: 'Hl7AckMode', description: 'HL7 v2 acknowledgment: original or enhanced mode, or immediate (accepted on receipt)' });

@ObjectType('ExpiringCredential', { description: 'A credential that expires or passes its rotation age within 30 days' })
export class ExpiringCredentialModel {
  @Field({ description: 'signing-key, client-secret, tls-certificate or mllp-peer-certificate' }) kind!: string;
  @Field({ description: 'The key id' }) name!: string;
  @Field() at!: string;
}

@ObjectType('ConnectionHealthChange', { description: 'A transition the health monitor recorded' })
export class ConnectionHealthChangeModel {
  @Field(() => HealthStatusEnum) from!: string;
  @Field(() => HealthStatusEnum) to!: string;
  @Field({ description: 'check_failed, check_passed, error_rate or traffic_ok' }) reason!: string;
  @Field(() => String, { nullable: true }) errorCode!: string | null;
  @Field(() => String, { nullable: true, description: 'The connection.health_changed event it raised (none for a new connection’s first healthy)' }) eventId!: string | null;
  @Field() at!: Date;
}

@ObjectType('ConnectionHealth')
export class ConnectionHealthModel {
  @Field(() => HealthStatusEnum, { description: 'The health monitor’s status: unknown, healthy, degraded or down' }) status!: string;
  @Field(() => Date, { nullable: true }) statusSince!: Date | null;
  @Field(() => Date, { nullable: true, description: 'The monitor’s last light check' }) lastCheckAt!: Date | null;
  @Field(() => String, { nullable: true }) lastCheckError!: string | null;
  @Field(() => Float, { description: 'The share of recent transactions that failed' }) errorRate!: number;
  @Field(() => Int) recentCalls!: number;
  @Field(() => [ExpiringCredentialModel]) expiresSoon!: ExpiringCredentialModel[];
  @Field(() => Date, { nullable: true }) lastTestedAt!: Date | null;
  @Field(() => Date, { nullable: true }) lastSuccessAt!: Date | null;
  @Field(() => Date, { nullable: true }) lastErrorAt!: Date | null;
  @Field(() => String, { nullable: true }) lastErrorCode!: string | null;
  @Field(() => Date, { nullable: true }) tokenExpiresAt!: Date | null;
}

@ObjectType('AthenaEndpoints', { description: 'Where an athena connection’s calls go: the URLs set on it, else the defaults for its environment' })
export class AthenaEndpointsModel {
  @Field({ description: 'The API host root; calls go to {baseUrl}/v1/{practiceId}/…' }) baseUrl!: string;
  @Field() tokenUrl!: string;
}

@ObjectType('Connection', { description: 'A connection to a hospital site' })
export class ConnectionModel {
  @Field(() => ID) id!: string;
  @Field(() => ID) tenantId!: string;
  @Field() name!: string;
  @Field(() => ConnectionVendorEnum) vendor!: string;
  @Field(() => ConnectionEnvironmentEnum) environment!: string;
  @Field(() => ConnectionStatusEnum) status!: string;
  @Field(() => String, { nullable: true }) fhirBaseUrl!: string | null;
  @Field(() => String, { nullable: true }) tokenUrl!: string | null;
  @Field(() => String, { nullable: true }) athenaPracticeId!: string | null;
  @Field(() => String, { nullable: true, description: 'athena: the API host set on the connection (null: the default for its environment)' }) athenaBaseUrl!: string | null;
  @Field(() => [String], { description: 'athena: the departments served and polled (empty: all)' }) departmentIds!: string[];
  @Field(() => Int, { nullable: true, description: 'athena: how often the change feeds are polled, in seconds (null: the default)' }) changePollSeconds!: number | null;
  @Field(() => Int, { nullable: true, description: 'athena: minutes of processed changes replayed when polling starts (null: the default)' }) changeReplayMinutes!: number | null;
  @Field(() => AthenaEndpointsModel, { nullable: true, description: 'athena connections only' }) athenaEndpoints!: AthenaEndpointsModel | null;
  @Field(() => String, { nullable: true }) mllpHost!: string | null;
  @Field(() => Int, { nullable: true }) mllpPort!: number | null;
  @Field({ description: 'hl7v2: outbound messages go over TLS, and inbound messages are accepted over TLS only' }) mllpTls!: boolean;
  @Field(() => String, { nullable: true, description: 'hl7v2: the vault secret (name only) holding the client certificate chain and private key (PEM) presented on outbound MLLP/TLS' })
  mllpClientCertSecretName!: string | null;
  @Field(() => String, { nullable: true, description: "hl7v2: the vault secret (name only) holding the CA bundle (PEM) the site's certificate is verified against; null: the system CAs" })
  mllpCaSecretName!: string | null;
  @Field(() => String, { nullable: true, description: 'hl7v2: SHA-256 fingerprint (AA:BB:…) of the only client certificate inbound messages are accepted over' })
  mllpPinnedCertSha256!: string | null;
  @Field(() => String, { nullable: true }) hl7SendingFacility!: string | null;
  @Field(() => String, { nullable: true }) hl7SendingApplication!: string | null;
  @Field(() => Hl7AckModeEnum, { description: 'How the HL7 v2 site acknowledges (hl7v2 connections)' }) hl7AckMode!: string;
  @Field(() => JSONObjectScalar, { nullable: true, description: 'hl7v2 feed watch {minutes, hours: {from, to, timezone} | null}: degraded after `minutes` without an inbound message during `hours`' })
  hl7Silence!: Hl7Silence | null;
  @Field(() => String, { nullable: true }) clientId!: string | null;
  @Field(() => [String]) scopes!: string[];
  @Field(() => String, { nullable: true }) authAlg!: string | null;
  @Field(() => String, { nullable: true, description: 'Vault secret holding the client secret' }) clientSecretName!: string | null;
  @Field(() => String, { nullable: true, description: "SMART App Launch: the gateway's client id at this EHR" }) smartClientId!: string | null;
  @Field(() => String, { nullable: true, description: 'SMART App Launch: the vault secret holding the client secret when the EHR registered the gateway as a confidential client' }) smartClientSecretName!: string | null;
  @Field(() => JSONObjectScalar) dialect!: Record<string, unknown>;
  @Field(() => ConnectionHealthModel) health!: ConnectionHealthModel;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

@ObjectType('SecretMetadata', { description: 'The current version of a secret; its value is never readable' })
export class SecretMetadataModel {
  @Field() name!: string;
  @Field(() => Int) version!: number;
  @Field({ description: 'Identifies the value without revealing it' }) fingerprint!: string;
  @Field(() => Int) byteLength!: number;
  @Field(() => Date, { nullable: true, description: 'When the value stops working (the expiry date given, else its PEM certificates’ earliest notAfter)' }) expiresAt!: Date | null;
  @Field() kmsProvider!: string;
  @Field() kekId!: string;
  @Field() kekVersion!: string;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) lastUsedAt!: Date | null;
}

@ObjectType('ConnectionKey', { description: 'A SMART Backend Services key pair; only the public half is ever shown' })
export class ConnectionKeyModel {
  @Field() kid!: string;
  @Field() alg!: string;
  @Field(() => KeyStatusEnum) status!: string;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) retiredAt!: Date | null;
  @Field({ description: 'Where the hospital fetches the public keys' }) jwksUrl!: string;
  @Field(() => JSONObjectScalar) publicJwk!: Record<string, unknown>;
}

@ObjectType('ConnectionTestStep')
export class ConnectionTestStepModel {
  @Field() name!: string;
  @Field(() => TestStepStatusEnum) status!: string;
  @Field(() => Float) durationMs!: number;
  @Field() detail!: string;
  @Field(() => String, { nullable: true }) code?: string;
  @Field(() => String, { nullable: true, description: 'Failed and warning steps: what to check, in words' }) hint?: string;
}

@ObjectType('ConnectionTestReport')
export class ConnectionTestReportModel {
  @Field(() => ID) connectionId!: string;
  @Field(() => ConnectionVendorEnum) vendor!: string;
  @Field() ok!: boolean;
  @Field() testedAt!: Date;
  @Field(() => [ConnectionTestStepModel]) steps!: ConnectionTestStepModel[];
}
