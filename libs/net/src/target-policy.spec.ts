import {
  checkTarget,
  isAddressAllowed,
  LOCAL_DEVELOPMENT_TARGETS,
  PUBLIC_ONLY_TARGETS,
  type Resolver,
  type TargetPolicy,
} from './target-policy';

const LOOPBACK_ONLY: TargetPolicy = { allowPrivate: false, allowLoopback: true };
const PRIVATE_ONLY: TargetPolicy = { allowPrivate: true, allowLoopback: false };

const resolvingTo =
  (...addresses: string[]): Resolver =>
  () =>
    Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

const url = (raw: string): URL => new URL(raw);

describe('isAddressAllowed', () => {
  it.each([
    ['public', PUBLIC_ONLY_TARGETS, true],
    ['loopback', PUBLIC_ONLY_TARGETS, false],
    ['loopback', LOOPBACK_ONLY, true],
    ['loopback', PRIVATE_ONLY, false],
    ['private', PUBLIC_ONLY_TARGETS, false],
    ['private', LOOPBACK_ONLY, false],
    ['private', PRIVATE_ONLY, true],
    ['link-local', PRIVATE_ONLY, true],
    ['cgnat', PRIVATE_ONLY, true],
    ['metadata', LOCAL_DEVELOPMENT_TARGETS, false],
    ['unspecified', LOCAL_DEVELOPMENT_TARGETS, false],
    ['multicast', LOCAL_DEVELOPMENT_TARGETS, false],
    ['documentation', LOCAL_DEVELOPMENT_TARGETS, false],
    ['reserved', LOCAL_DEVELOPMENT_TARGETS, false],
    [undefined, LOCAL_DEVELOPMENT_TARGETS, false],
  ] as const)('%s under %j → %s', (addressClass, policy, allowed) => {
    expect(isAddressAllowed(addressClass, policy)).toBe(allowed);
  });
});

describe('checkTarget', () => {
  it('returns every vetted address of a public host', async () => {
    const resolver = jest.fn(resolvingTo('93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'));
    await expect(checkTarget(url('https://fhir.example.org/R4'), PUBLIC_ONLY_TARGETS, resolver)).resolves.toEqual({
      ok: true,
      addresses: [
        { address: '93.184.216.34', family: 4, addressClass: 'public' },
        { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6, addressClass: 'public' },
      ],
    });
    expect(resolver).toHaveBeenCalledWith('fhir.example.org');
  });

  it('refuses a host when any resolved address is refused, whatever the order', async () => {
    for (const resolver of [resolvingTo('93.184.216.34', '10.0.0.5'), resolvingTo('10.0.0.5', '93.184.216.34')]) {
      await expect(checkTarget(url('https://fhir.example.org/'), PUBLIC_ONLY_TARGETS, resolver)).resolves.toEqual({
        ok: false,
        reason: 'target_not_allowed',
        addressClass: 'private',
      });
    }
  });

  it('allows loopback only with allowLoopback', async () => {
    const target = url('http://localhost:8080/');
    const resolver = resolvingTo('127.0.0.1', '::1');
    await expect(checkTarget(target, PUBLIC_ONLY_TARGETS, resolver)).resolves.toMatchObject({ ok: false, addressClass: 'loopback' });
    await expect(checkTarget(target, PRIVATE_ONLY, resolver)).resolves.toMatchObject({ ok: false, addressClass: 'loopback' });
    await expect(checkTarget(target, LOOPBACK_ONLY, resolver)).resolves.toMatchObject({ ok: true });
  });

  it('allows private ranges only with allowPrivate', async () => {
    const target = url('https://ehr.hospital.internal/');
    const resolver = resolvingTo('192.168.10.20', 'fd12::20');
    await expect(checkTarget(target, LOOPBACK_ONLY, resolver)).resolves.toMatchObject({ ok: false, addressClass: 'private' });
    await expect(checkTarget(target, PRIVATE_ONLY, resolver)).resolves.toMatchObject({ ok: true });
  });

  it('refuses metadata addresses even when everything local is allowed', async () => {
    for (const address of ['169.254.169.254', 'fd00:ec2::254', '::ffff:169.254.169.254']) {
      await expect(
        checkTarget(url('https://metadata.example/'), LOCAL_DEVELOPMENT_TARGETS, resolvingTo(address)),
      ).resolves.toMatchObject({ ok: false, reason: 'target_not_allowed', addressClass: 'metadata' });
    }
  });

  it('refuses resolver answers that are not addresses', async () => {
    await expect(
      checkTarget(url('https://fhir.example.org/'), LOCAL_DEVELOPMENT_TARGETS, resolvingTo('fhir.example.org')),
    ).resolves.toEqual({ ok: false, reason: 'target_not_allowed', addressClass: undefined });
  });

  it('classifies IP literals without resolving them', async () => {
    const resolver = jest.fn(resolvingTo('93.184.216.34'));
    for (const raw of ['https://127.0.0.1/', 'https://[::1]/', 'https://[::ffff:7f00:1]/']) {
      await expect(checkTarget(url(raw), PUBLIC_ONLY_TARGETS, resolver)).resolves.toMatchObject({
        ok: false,
        addressClass: 'loopback',
      });
    }
    await expect(checkTarget(url('https://[::1]/'), LOOPBACK_ONLY, resolver)).resolves.toEqual({
      ok: true,
      addresses: [{ address: '::1', family: 6, addressClass: 'loopback' }],
    });
    expect(resolver).not.toHaveBeenCalled();
  });

  it('reports resolution failures and empty answers as dns_failed', async () => {
    const failing: Resolver = () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    await expect(checkTarget(url('https://nowhere.example/'), PUBLIC_ONLY_TARGETS, failing)).resolves.toMatchObject({
      ok: false,
      reason: 'dns_failed',
    });
    await expect(checkTarget(url('https://nowhere.example/'), PUBLIC_ONLY_TARGETS, resolvingTo())).resolves.toEqual({
      ok: false,
      reason: 'dns_failed',
    });
  });

  it('uses the system resolver by default (localhost is loopback)', async () => {
    await expect(checkTarget(url('http://localhost/'), PUBLIC_ONLY_TARGETS)).resolves.toMatchObject({
      ok: false,
      addressClass: 'loopback',
    });
  });
});
