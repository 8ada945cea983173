import type { Reply } from '../fhir/reply';

export const ATHENA_JSON = 'application/json; charset=utf-8';

/**
 * An athena JSON response. 4xx bodies start with blank lines, as athena's do
 * (recorded `\n\n{"error":…}`): a client that parses before trimming fails here too.
 */
export function athenaJson(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  const json = JSON.stringify(body);
  return { status, headers: { 'content-type': ATHENA_JSON, ...headers }, body: status >= 400 && status < 500 ? `\n\n${json}` : json };
}

export interface ErrorDetails {
  detailedmessage?: string;
  missingfields?: string[];
  invalidfields?: string[];
}

/** athena's error body: `error` for end users, `detailedmessage` for developers, sometimes the fields. */
export const athenaError = (status: number, error: string, details: ErrorDetails = {}, headers: Record<string, string> = {}): Reply =>
  athenaJson(status, { error, ...details }, headers);

/** The "200 that is a failure" athena answers many writes with. */
export const softFailure = (errormessage: string): Reply => athenaJson(200, { success: 'false', errormessage });

/** A bare JSON string at 200 (PUT /appointments/booked/{id} answers "Invalid PROVIDERID input" this way). */
export const bareString = (text: string): Reply => athenaJson(200, text);

export const ATHENA_ERRORS = {
  invalidPractice: (): Reply => athenaError(404, 'Invalid practice.', { detailedmessage: 'The practice ID does not exist.' }),
  incorrectPermissions: (): Reply => athenaError(401, 'Incorrect permissions.', { detailedmessage: 'Bad auth.' }),
  unauthorized: (detailedmessage: string): Reply =>
    athenaError(401, 'Developer Inactive', { detailedmessage }, { 'www-authenticate': `Bearer error="invalid_token", error_description="${detailedmessage}"` }),
  notFound: (error: string): Reply => athenaError(404, error),
  noSuchEndpoint: (): Reply => athenaError(404, 'The requested resource does not exist.', { detailedmessage: 'No such endpoint.' }),
  missingFields: (missingfields: string[]): Reply => athenaError(400, 'Additional fields are required.', { missingfields, invalidfields: [] }),
  invalidFields: (detailedmessage: string, invalidfields: string[]): Reply => athenaError(400, 'The data provided is invalid.', { detailedmessage, invalidfields }),
  improperDob: (): Reply => athenaError(400, 'Improper DOB.'),
  slotTaken: (): Reply =>
    athenaError(409, 'That appointment time was already booked or not available for booking.', {
      detailedmessage: 'The appointment ID is already booked or is not marked as being available to be scheduled via the API.',
    }),
  notSubscribed: (): Reply => athenaError(403, 'Changed messages require setup (subscription) that has not been done.'),
} as const;
