import { withQuery } from './smart-http';

describe('withQuery', () => {
  it("appends parameters and keeps the URL's own query byte for byte", () => {
    expect(withQuery(new URL('https://app.example.test/cb?a=1%202&b'), { code: 'x y', state: 's' })).toBe('https://app.example.test/cb?a=1%202&b&code=x+y&state=s');
    expect(withQuery(new URL('https://app.example.test/cb'), { code: 'c' })).toBe('https://app.example.test/cb?code=c');
    expect(withQuery(new URL('https://app.example.test/cb?'), { code: 'c' })).toBe('https://app.example.test/cb?code=c');
    expect(withQuery(new URL('https://app.example.test/launch#/home'), { iss: 'https://ehr/fhir' })).toBe('https://app.example.test/launch?iss=https%3A%2F%2Fehr%2Ffhir#/home');
  });
});
