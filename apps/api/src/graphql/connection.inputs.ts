import { Field, InputType, Int } from '@nestjs/graphql';
import { ConnectionEnvironmentEnum, HospitalVendorEnum, KeyAlgorithmEnum } from './connection.types';
import { JSONObjectScalar } from './json.scalar';

// Shapes only: the resolver validates every input with the REST API's zod schemas,
// which also refuse settings that do not belong to the connection's vendor.

@InputType('CreateConnectionInput', { description: 'Only the settings of the chosen vendor are accepted' })
export class CreateConnectionInputType {
  @Field() name!: string;
  @Field(() => HospitalVendorEnum) vendor!: string;
  @Field(() => ConnectionEnvironmentEnum, { nullable: true, description: 'sandbox when omitted' }) environment?: string;
  @Field({ nullable: true, description: 'epic, oracle and fhir; the token URL is discovered when omitted' }) fhirBaseUrl?: string;
  @Field({ nullable: true, description: 'athena: {athenaBaseUrl}/oauth2/v1/token when omitted' }) tokenUrl?: string;
  @Field({ nullable: true, description: 'athena: required unless a sandbox connection is wired to the simulator' }) clientId?: string;
  @Field(() => [String], { nullable: true, description: 'epic, oracle and fhir' }) scopes?: string[];
  @Field(() => KeyAlgorithmEnum, { nullable: true, description: 'epic and fhir' }) authAlg?: string;
  @Field({ nullable: true, description: 'oracle and athena' }) clientSecretName?: string;
  @Field({ nullable: true, description: 'athena: required unless a sandbox connection is wired to the simulator' }) athenaPracticeId?: string;
  @Field({ nullable: true, description: 'athena: the API host (preview for sandbox, production for production when omitted)' }) athenaBaseUrl?: string;
  @Field(() => [String], { nullable: true, description: 'athena: the departments to serve and poll (all when omitted)' }) departmentIds?: string[];
  @Field(() => Int, { nullable: true, description: 'athena: change-feed poll interval in seconds' }) changePollSeconds?: number;
  @Field(() => Int, { nullable: true, description: 'athena: minutes of processed changes replayed when polling starts' }) changeReplayMinutes?: number;
  @Field({ nullable: true, description: 'hl7v2' }) mllpHost?: string;
  @Field(() => Int, { nullable: true, description: 'hl7v2' }) mllpPort?: number;
  @Field({ nullable: true, description: 'hl7v2' }) mllpTls?: boolean;
  @Field({ nullable: true, description: 'hl7v2: vault secret name of the client certificate chain + private key (PEM) for outbound MLLP/TLS' }) mllpClientCertSecretName?: string;
  @Field({ nullable: true, description: 'hl7v2: vault secret name of the CA bundle (PEM) for outbound MLLP/TLS; the system CAs when omitted' }) mllpCaSecretName?: string;
  @Field({ nullable: true, description: 'hl7v2: SHA-256 fingerprint of the only inbound client certificate accepted, AA:BB:… or 64 hex digits' }) mllpPinnedCertSha256?: string;
  @Field({ nullable: true, description: 'hl7v2' }) hl7SendingFacility?: string;
  @Field({ nullable: true, description: 'hl7v2' }) hl7SendingApplication?: string;
  @Field(() => JSONObjectScalar, { nullable: true, description: 'hl7v2 feed watch {minutes, hours?: {from, to, timezone}}' }) hl7Silence?: Record<string, unknown>;
  @Field(() => JSONObjectScalar, { nullable: true }) dialect?: Record<string, unknown>;
}

@InputType('UpdateConnectionInput', { description: 'Omitted fields are left as they are; null clears a nullable setting' })
export class UpdateConnectionInputType {
  @Field({ nullable: true }) name?: string;
  @Field(() => String, { nullable: true }) fhirBaseUrl?: string | null;
  @Field(() => String, { nullable: true }) tokenUrl?: string | null;
  @Field(() => String, { nullable: true }) clientId?: string | null;
  @Field(() => [String], { nullable: true }) scopes?: string[];
  @Field(() => KeyAlgorithmEnum, { nullable: true }) authAlg?: string;
  @Field({ nullable: true }) clientSecretName?: string;
  @Field({ nullable: true }) athenaPracticeId?: string;
  @Field(() => String, { nullable: true }) athenaBaseUrl?: string | null;
  @Field(() => [String], { nullable: true }) departmentIds?: string[];
  @Field(() => Int, { nullable: true }) changePollSeconds?: number | null;
  @Field(() => Int, { nullable: true }) changeReplayMinutes?: number | null;
  @Field(() => String, { nullable: true }) mllpHost?: string | null;
  @Field(() => Int, { nullable: true }) mllpPort?: number | null;
  @Field({ nullable: true }) mllpTls?: boolean;
  @Field(() => String, { nullable: true }) mllpClientCertSecretName?: string | null;
  @Field(() => String, { nullable: true }) mllpCaSecretName?: string | null;
  @Field(() => String, { nullable: true }) mllpPinnedCertSha256?: string | null;
  @Field(() => String, { nullable: true }) hl7SendingFacility?: string | null;
  @Field(() => String, { nullable: true }) hl7SendingApplication?: string | null;
  @Field(() => JSONObjectScalar, { nullable: true, description: 'null stops watching the feed' }) hl7Silence?: Record<string, unknown> | null;
  @Field(() => JSONObjectScalar, { nullable: true }) dialect?: Record<string, unknown>;
}

@InputType('GenerateKeyInput', { description: 'Generates a key pair, or imports a private key (PEM or JWK, not both)' })
export class GenerateKeyInputType {
  @Field(() => KeyAlgorithmEnum) alg!: string;
  @Field({ nullable: true, description: 'PKCS#8 PEM' }) privateKeyPem?: string;
  @Field(() => JSONObjectScalar, { nullable: true }) privateJwk?: Record<string, unknown>;
}
