import { ErrorCode } from '@sb/core';
import { OutboundReason } from '@sb/net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { CONNECTION_TEST_HINTS, connectionTestHint, OAUTH_TOKEN_ERRORS } from './connection-test-hints';

/** The files whose steps fail (or warn) with codes. */
const SOURCES = ['connection-test.service.ts', 'athena-connection-test.ts'].map((f) => join(__dirname, f));

/** The second argument (the code) of every `new StepFailure(detail, code)` in the test services, and every warning's code, as source text. */
function stepFailureCodes(): { literals: string[]; expressions: string[] } {
  const literals: string[] = [];
  const expressions: string[] = [];
  for (const source of SOURCES) visitCodes(source, literals, expressions);
  return { literals, expressions };
}

function visitCodes(source: string, literals: string[], expressions: string[]): void {
  const file = ts.createSourceFile(source, readFileSync(source, 'utf8'), ts.ScriptTarget.ES2022, true);
  const visit = (node: ts.Node) => {
    // { warning: '…', code: '…' }: a warning step's outcome
    if (ts.isObjectLiteralExpression(node) && node.properties.some((p) => p.name?.getText(file) === 'warning')) {
      const code = node.properties.find((p) => p.name?.getText(file) === 'code');
      if (code && ts.isPropertyAssignment(code)) {
        if (ts.isStringLiteral(code.initializer)) literals.push(code.initializer.text);
        else expressions.push(code.initializer.getText(file));
      }
    }
    if (ts.isNewExpression(node) && node.expression.getText(file) === 'StepFailure') {
      const code = node.arguments?.[1];
      if (!code) throw new Error('StepFailure without a code');
      if (ts.isStringLiteral(code)) literals.push(code.text);
      else expressions.push(code.getText(file));
    }
    // lastErrorCode: … ?? 'literal' (a test without any passed or failed step)
    if (ts.isPropertyAssignment(node) && node.name.getText(file) === 'lastErrorCode') {
      node.initializer.forEachChild(function literalsIn(n: ts.Node): void {
        if (ts.isStringLiteral(n)) literals.push(n.text);
        n.forEachChild(literalsIn);
      });
    }
    node.forEachChild(visit);
  };
  visit(file);
}

/** Where each dynamic code of the test service comes from, and every value it can take. */
const DYNAMIC_SOURCES: Record<string, { codes: readonly string[] }> = {
  // checkTarget's refusal reasons (mllp-session)
  'target.reason': { codes: Object.values(OutboundReason) },
  // parseOutboundUrl's refusal reasons for the MLLP host (mllp-session)
  'parsed.reason': { codes: Object.values(OutboundReason) },
  // the token endpoint's OAuth error (access-token)
  error: { codes: OAUTH_TOKEN_ERRORS },
  // asFailure: an SbError's `details.reason` (outbound reasons) or its code
  reason: { codes: [...Object.values(OutboundReason), ErrorCode.DependencyUnavailable, ErrorCode.ValidationFailed, ErrorCode.BadRequest, ErrorCode.Forbidden, ErrorCode.NotFound, ErrorCode.Conflict, ErrorCode.Internal] },
};

const GENERIC = new Set([connectionTestHint('no_such_code'), connectionTestHint('no_such_code', 'access-token')]);

describe('connection test hints', () => {
  const { literals, expressions } = stepFailureCodes();

  it('finds the codes in the source (the parser still sees the call sites)', () => {
    expect(literals).toEqual(expect.arrayContaining(['missing_fhir_base_url', 'missing_signing_key', 'test_incomplete', 'practice_not_found', 'change_feed_pending']));
    expect(expressions.length).toBeGreaterThan(0);
  });

  it('has a specific hint for every literal code a step can fail with', () => {
    const missing = literals.filter((code) => !CONNECTION_TEST_HINTS[code]);
    expect(missing).toEqual([]);
  });

  it('knows every dynamic code source, and has a specific hint for each value it can take', () => {
    const unknownSources = expressions.filter((e) => !(e in DYNAMIC_SOURCES) && !/^`http_\$\{[^}]+\}`$/.test(e));
    expect(unknownSources).toEqual([]);
    for (const e of expressions) {
      for (const code of DYNAMIC_SOURCES[e]?.codes ?? []) expect([code, GENERIC.has(connectionTestHint(code))]).toEqual([code, false]);
    }
  });

  it('explains HTTP statuses by class and by step', () => {
    expect(connectionTestHint('http_404', 'capability-statement')).toMatch(/FHIR base URL/);
    expect(connectionTestHint('http_404', 'access-token')).toMatch(/token URL/);
    expect(connectionTestHint('http_503')).toMatch(/server failed/);
    expect(GENERIC.has(connectionTestHint('http_401'))).toBe(false);
  });

  it('tells invalid_client apart from a refused scope, and smart discovery failures from other outages', () => {
    expect(connectionTestHint('invalid_client', 'access-token')).toMatch(/client ID and the JWKS URL/);
    expect(connectionTestHint('invalid_scope', 'access-token')).toMatch(/scopes/);
    expect(connectionTestHint('dependency_unavailable', 'smart-configuration')).toMatch(/smart-configuration/);
    expect(connectionTestHint('dependency_unavailable', 'capability-statement')).not.toMatch(/smart-configuration/);
  });

  it('tells athena practice refusals apart, and explains athena token limits and change-feed warnings', () => {
    expect(connectionTestHint('practice_not_found', 'practice-access')).toMatch(/Invalid practice/);
    expect(connectionTestHint('practice_not_permitted', 'practice-access')).toMatch(/Incorrect permissions/);
    expect(connectionTestHint('http_429', 'token')).toMatch(/tokens a minute/);
    expect(connectionTestHint('http_429', 'access-token')).not.toMatch(/tokens a minute/);
    expect(connectionTestHint('change_feed_not_subscribed', 'change-feed')).toMatch(/subscribes/);
  });

  it('always gives some hint', () => {
    expect(connectionTestHint('something_new')).toMatch(/\w/);
  });
});
