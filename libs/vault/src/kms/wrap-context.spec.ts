import { encodeWrapContext, wrapContextToStringMap } from './wrap-context';

describe('encodeWrapContext', () => {
  const base = { tenantId: 't1', connectionId: 'c1', secretName: 's', version: 1 };

  it('is deterministic and independent of property order', () => {
    const reordered = { version: 1, secretName: 's', connectionId: 'c1', tenantId: 't1' };
    expect(encodeWrapContext(reordered)).toEqual(encodeWrapContext(base));
  });

  it('gives different bytes to contexts that differ only in where a field boundary falls', () => {
    const a = encodeWrapContext({ ...base, tenantId: 'a","b', connectionId: 'c' });
    const b = encodeWrapContext({ ...base, tenantId: 'a', connectionId: 'b","c' });
    expect(a.equals(b)).toBe(false);
  });

  it('maps to an AWS encryption context of strings', () => {
    expect(wrapContextToStringMap(base)).toEqual({ tenantId: 't1', connectionId: 'c1', secretName: 's', version: '1' });
  });
});
