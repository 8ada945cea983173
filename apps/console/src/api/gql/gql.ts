/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment ConnectionHealthFields on Connection {\n    health {\n      status\n      statusSince\n      lastCheckAt\n      lastCheckError\n      errorRate\n      recentCalls\n      expiresSoon {\n        kind\n        name\n        at\n      }\n      lastTestedAt\n      lastSuccessAt\n      lastErrorAt\n      lastErrorCode\n      tokenExpiresAt\n    }\n    healthChanges {\n      from\n      to\n      reason\n      errorCode\n      eventId\n      at\n    }\n  }\n": typeof types.ConnectionHealthFieldsFragmentDoc,
    "\n  query ConnectionDetail($id: ID!) {\n    connection(id: $id) {\n      id\n      tenantId\n      name\n      vendor\n      environment\n      status\n      fhirBaseUrl\n      tokenUrl\n      athenaPracticeId\n      athenaBaseUrl\n      departmentIds\n      changePollSeconds\n      changeReplayMinutes\n      athenaEndpoints {\n        baseUrl\n        tokenUrl\n      }\n      mllpHost\n      mllpPort\n      mllpTls\n      hl7SendingFacility\n      hl7SendingApplication\n      hl7AckMode\n      hl7Silence\n      clientId\n      scopes\n      authAlg\n      clientSecretName\n      smartClientId\n      smartClientSecretName\n      dialect\n      ...ConnectionHealthFields\n      createdAt\n      updatedAt\n      secrets {\n        name\n        version\n        fingerprint\n        createdAt\n        lastUsedAt\n      }\n      keys {\n        kid\n        alg\n        status\n        createdAt\n        retiredAt\n        jwksUrl\n      }\n    }\n  }\n": typeof types.ConnectionDetailDocument,
    "\n  query ConnectionHealth($id: ID!) {\n    connection(id: $id) {\n      id\n      ...ConnectionHealthFields\n    }\n  }\n": typeof types.ConnectionHealthDocument,
};
const documents: Documents = {
    "\n  fragment ConnectionHealthFields on Connection {\n    health {\n      status\n      statusSince\n      lastCheckAt\n      lastCheckError\n      errorRate\n      recentCalls\n      expiresSoon {\n        kind\n        name\n        at\n      }\n      lastTestedAt\n      lastSuccessAt\n      lastErrorAt\n      lastErrorCode\n      tokenExpiresAt\n    }\n    healthChanges {\n      from\n      to\n      reason\n      errorCode\n      eventId\n      at\n    }\n  }\n": types.ConnectionHealthFieldsFragmentDoc,
    "\n  query ConnectionDetail($id: ID!) {\n    connection(id: $id) {\n      id\n      tenantId\n      name\n      vendor\n      environment\n      status\n      fhirBaseUrl\n      tokenUrl\n      athenaPracticeId\n      athenaBaseUrl\n      departmentIds\n      changePollSeconds\n      changeReplayMinutes\n      athenaEndpoints {\n        baseUrl\n        tokenUrl\n      }\n      mllpHost\n      mllpPort\n      mllpTls\n      hl7SendingFacility\n      hl7SendingApplication\n      hl7AckMode\n      hl7Silence\n      clientId\n      scopes\n      authAlg\n      clientSecretName\n      smartClientId\n      smartClientSecretName\n      dialect\n      ...ConnectionHealthFields\n      createdAt\n      updatedAt\n      secrets {\n        name\n        version\n        fingerprint\n        createdAt\n        lastUsedAt\n      }\n      keys {\n        kid\n        alg\n        status\n        createdAt\n        retiredAt\n        jwksUrl\n      }\n    }\n  }\n": types.ConnectionDetailDocument,
    "\n  query ConnectionHealth($id: ID!) {\n    connection(id: $id) {\n      id\n      ...ConnectionHealthFields\n    }\n  }\n": types.ConnectionHealthDocument,
};

/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "\n  fragment ConnectionHealthFields on Connection {\n    health {\n      status\n      statusSince\n      lastCheckAt\n      lastCheckError\n      errorRate\n      recentCalls\n      expiresSoon {\n        kind\n        name\n        at\n      }\n      lastTestedAt\n      lastSuccessAt\n      lastErrorAt\n      lastErrorCode\n      tokenExpiresAt\n    }\n    healthChanges {\n      from\n      to\n      reason\n      errorCode\n      eventId\n      at\n    }\n  }\n"): typeof import('./graphql').ConnectionHealthFieldsFragmentDoc;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "\n  query ConnectionDetail($id: ID!) {\n    connection(id: $id) {\n      id\n      tenantId\n      name\n      vendor\n      environment\n      status\n      fhirBaseUrl\n      tokenUrl\n      athenaPracticeId\n      athenaBaseUrl\n      departmentIds\n      changePollSeconds\n      changeReplayMinutes\n      athenaEndpoints {\n        baseUrl\n        tokenUrl\n      }\n      mllpHost\n      mllpPort\n      mllpTls\n      hl7SendingFacility\n      hl7SendingApplication\n      hl7AckMode\n      hl7Silence\n      clientId\n      scopes\n      authAlg\n      clientSecretName\n      smartClientId\n      smartClientSecretName\n      dialect\n      ...ConnectionHealthFields\n      createdAt\n      updatedAt\n      secrets {\n        name\n        version\n        fingerprint\n        createdAt\n        lastUsedAt\n      }\n      keys {\n        kid\n        alg\n        status\n        createdAt\n        retiredAt\n        jwksUrl\n      }\n    }\n  }\n"): typeof import('./graphql').ConnectionDetailDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "\n  query ConnectionHealth($id: ID!) {\n    connection(id: $id) {\n      id\n      ...ConnectionHealthFields\n    }\n  }\n"): typeof import('./graphql').ConnectionHealthDocument;


export function gql(source: string) {
  return (documents as any)[source] ?? {};
}
