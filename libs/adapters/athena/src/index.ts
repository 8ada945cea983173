export * from './athena-ids';
export * from './athena-endpoints';
export { ATHENA_SCOPE } from './client/athena-auth';
export { AthenaHttp, type AthenaPage, type AthenaQuery, type AthenaForm } from './client/athena-http';
export { athenaChangesClient, formatEastern, type AthenaChangesClient, type AthenaFeed, type ChangePollOptions } from './client/changes';
export { AthenaAdapter, ATHENA_CAPABILITIES } from './athena.adapter';
export { ATHENA_SEARCH_PARAMS } from './adapter/search-plans';
export { parseEasternDateTime } from './wire/athena-time';
export { athenaScheduleId } from './fhir/scheduling.mapper';
