import { athenaEndpoints, athenaLimits, ATHENA_PREVIEW_BASE_URL, ATHENA_PRODUCTION_BASE_URL } from './athena-endpoints';

const conn = (fields: Partial<Parameters<typeof athenaEndpoints>[0]> = {}) => ({ environment: 'sandbox' as const, athenaBaseUrl: null, tokenUrl: null, athenaPracticeId: null, ...fields });

describe('athenaEndpoints', () => {
  it('defaults a sandbox connection to the preview host, its token URL and practice 195900', () => {
    expect(athenaEndpoints(conn())).toEqual({ baseUrl: ATHENA_PREVIEW_BASE_URL, tokenUrl: `${ATHENA_PREVIEW_BASE_URL}/oauth2/v1/token`, fhirBaseUrl: `${ATHENA_PREVIEW_BASE_URL}/fhir/r4`, practiceId: '195900' });
  });

  it('defaults a production connection to the production host and no practice', () => {
    expect(athenaEndpoints(conn({ environment: 'production' }))).toEqual({ baseUrl: ATHENA_PRODUCTION_BASE_URL, tokenUrl: `${ATHENA_PRODUCTION_BASE_URL}/oauth2/v1/token`, fhirBaseUrl: `${ATHENA_PRODUCTION_BASE_URL}/fhir/r4`, practiceId: null });
    expect(athenaEndpoints(conn({ environment: 'production', athenaPracticeId: '1959' })).practiceId).toBe('1959');
  });

  it('uses the connection base (the simulator), tolerating a pasted /v1/{practice}, and derives the token URL from it', () => {
    expect(athenaEndpoints(conn({ athenaBaseUrl: 'http://127.0.0.1:4000/athena/', athenaPracticeId: '195900' }))).toEqual({
      baseUrl: 'http://127.0.0.1:4000/athena',
      tokenUrl: 'http://127.0.0.1:4000/athena/oauth2/v1/token',
      fhirBaseUrl: 'http://127.0.0.1:4000/athena/fhir/r4',
      practiceId: '195900',
    });
    expect(athenaEndpoints(conn({ athenaBaseUrl: 'https://api.platform.athenahealth.com/v1/1234' })).baseUrl).toBe(ATHENA_PRODUCTION_BASE_URL);
    expect(athenaEndpoints(conn({ tokenUrl: 'https://auth.example.test/token/' })).tokenUrl).toBe('https://auth.example.test/token');
  });
});

describe('athenaLimits', () => {
  it('defaults by environment and takes positive overrides from the dialect', () => {
    expect(athenaLimits({ environment: 'sandbox', dialect: {} })).toMatchObject({ requestsPerSecond: 5, tokensPerMinute: 5 });
    expect(athenaLimits({ environment: 'production', dialect: {} })).toMatchObject({ requestsPerSecond: 100, tokensPerMinute: 50 });
    expect(athenaLimits({ environment: 'sandbox', dialect: { requestsPerSecond: 50, tokensPerMinute: 100, maxBudgetWaitMs: 2_000 } })).toEqual({
      requestsPerSecond: 50,
      tokensPerMinute: 100,
      maxWaitMs: 2_000,
    });
    expect(athenaLimits({ environment: 'sandbox', dialect: { requestsPerSecond: -1, tokensPerMinute: '9' } })).toMatchObject({ requestsPerSecond: 5, tokensPerMinute: 5 });
  });
});
