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
  @Field({ nullable: true, description: 'FHIR vendors; the token URL is discovered when omitted' }) fhirBaseUrl?: string;
  @Field({ nullable: true }) tokenUrl?: string;
  @Field({ nullable: true }) clientId?: string;
  @Field(() => [String], { nullable: true }) scopes?: string[];
  @Field(() => KeyAlgorithmEnum, { nullable: true, description: 'epic and fhir' }) authAlg?: string;
  @Field({ nullable: true, description: 'oracle and athena' }) clientSecretName?: string;
  @Field({ nullable: true, description: 'athena (required)' }) athenaPracticeId?: string;
  @Field({ nullable: true, description: 'hl7v2' }) mllpHost?: string;
  @Field(() => Int, { nullable: true, description: 'hl7v2' }) mllpPort?: number;
  @Field({ nullable: true, description: 'hl7v2' }) mllpTls?: boolean;
  @Field({ nullable: true, description: 'hl7v2' }) hl7SendingFacility?: string;
  @Field({ nullable: true, description: 'hl7v2' }) hl7SendingApplication?: string;
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
  @Field(() => String, { nullable: true }) mllpHost?: string | null;
  @Field(() => Int, { nullable: true }) mllpPort?: number | null;
  @Field({ nullable: true }) mllpTls?: boolean;
  @Field(() => String, { nullable: true }) hl7SendingFacility?: string | null;
  @Field(() => String, { nullable: true }) hl7SendingApplication?: string | null;
  @Field(() => JSONObjectScalar, { nullable: true }) dialect?: Record<string, unknown>;
}

@InputType('GenerateKeyInput', { description: 'Generates a key pair, or imports a private key (PEM or JWK, not both)' })
export class GenerateKeyInputType {
  @Field(() => KeyAlgorithmEnum) alg!: string;
  @Field({ nullable: true, description: 'PKCS#8 PEM' }) privateKeyPem?: string;
  @Field(() => JSONObjectScalar, { nullable: true }) privateJwk?: Record<string, unknown>;
}
