import { Alert, Button, Card, Checkbox, Group, NumberInput, PasswordInput, Radio, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import type { AckMode, AssertionAlg, Environment } from '../api/types';
import { Page } from '../ui/page';
import { ErrorState, describeError } from '../ui/states';
import { AthenaFields, athenaErrors, athenaInput, EMPTY_ATHENA, type AthenaFieldErrors, type AthenaFormValues } from './athena-fields';
import { useCreateConnection, type CreateConnectionInput } from './queries';
import { ScopePicker } from './scope-picker';
import { FORM_VENDORS, SANDBOX_VENDORS, usesClientSecret, VENDOR_LABELS, type FormVendor } from './vendors';

const VENDOR_HELP: Record<FormVendor, string> = {
  epic: 'SMART Backend Services with a key pair: you register a JWKS URL with the hospital’s Epic app.',
  oracle: 'Oracle Health (Cerner) system account with a client ID and secret.',
  athena: 'athenaOne practice through athena’s API: practice ID, client ID and secret; scheduling and change feeds included.',
  hl7v2: 'An HL7 v2 interface over MLLP: ADT, ORU and more from the hospital’s interface engine.',
  fhir: 'Any SMART-on-FHIR server that accepts a signed client assertion.',
};

const blank = (s: string): string | undefined => (s.trim() === '' ? undefined : s.trim());

/** The guided form: one set of fields per vendor, in the vendor's own words. */
export default function ConnectionNewPage() {
  const navigate = useNavigate();
  const create = useCreateConnection();
  const [vendor, setVendor] = useState<FormVendor>('epic');
  const [environment, setEnvironment] = useState<Environment>('sandbox');
  const [name, setName] = useState('');
  const [fhirBaseUrl, setFhirBaseUrl] = useState('');
  const [tokenUrl, setTokenUrl] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [smartClientId, setSmartClientId] = useState('');
  const [authAlg, setAuthAlg] = useState<AssertionAlg>('RS384');
  const [scopes, setScopes] = useState<string[]>([]);
  const [mllpHost, setMllpHost] = useState('');
  const [mllpPort, setMllpPort] = useState<number | ''>('');
  const [mllpTls, setMllpTls] = useState(false);
  const [facility, setFacility] = useState('');
  const [application, setApplication] = useState('');
  const [ackMode, setAckMode] = useState<AckMode>('original');
  const [athena, setAthena] = useState<AthenaFormValues>(EMPTY_ATHENA);
  const [athenaIssues, setAthenaIssues] = useState<AthenaFieldErrors>({});
  const [nameError, setNameError] = useState<string | null>(null);

  const sandboxable = environment === 'sandbox' && SANDBOX_VENDORS.includes(vendor);
  const fhirVendor = vendor === 'epic' || vendor === 'oracle' || vendor === 'fhir';

  const done = ({ created, secretError }: { created: { id: string }; secretError?: unknown }) => {
    setClientSecret('');
    if (secretError) {
      const { code, message } = describeError(secretError);
      notifications.show({ color: 'red', title: 'Connection created, but the client secret was not stored', message: `${message} (${code}). Enter it again on this page.` });
    }
    void navigate(`/connections/${created.id}`);
  };

  const buildInput = (): CreateConnectionInput => {
    const common = { name: name.trim(), environment };
    switch (vendor) {
      case 'epic':
      case 'fhir':
        return {
          ...common,
          vendor,
          fhirBaseUrl: blank(fhirBaseUrl),
          clientId: blank(clientId),
          smartClientId: blank(smartClientId),
          authAlg,
          ...(vendor === 'fhir' && blank(tokenUrl) ? { tokenUrl: blank(tokenUrl) } : {}),
          ...(scopes.length ? { scopes } : {}),
        };
      case 'oracle':
        return { ...common, vendor, fhirBaseUrl: blank(fhirBaseUrl), clientId: blank(clientId), smartClientId: blank(smartClientId), ...(scopes.length ? { scopes } : {}) };
      case 'athena':
        return { ...common, vendor, ...athenaInput(athena) };
      case 'hl7v2':
        return {
          ...common,
          vendor,
          mllpHost: blank(mllpHost),
          mllpPort: mllpPort === '' ? undefined : mllpPort,
          mllpTls,
          hl7SendingFacility: blank(facility),
          hl7SendingApplication: blank(application),
          hl7AckMode: ackMode,
        };
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const issues = vendor === 'athena' ? athenaErrors(athena, environment) : {};
    setAthenaIssues(issues);
    if (!name.trim()) return setNameError('Name the connection (the hospital, as your team calls it).');
    setNameError(null);
    if (Object.keys(issues).length > 0) return;
    const secret = usesClientSecret({ vendor }) ? blank(clientSecret) : undefined;
    create.mutate({ input: buildInput(), clientSecret: secret }, { onSuccess: done });
  };

  const connectSandbox = () => {
    const label = name.trim() || `${VENDOR_LABELS[vendor]} sandbox`;
    create.mutate({ input: { name: label, vendor: vendor as 'epic' | 'oracle' | 'athena', environment: 'sandbox' } }, { onSuccess: done });
  };

  return (
    <Page title="Add connection">
      <form onSubmit={submit} noValidate>
        <Stack gap="lg" maw={760}>
          <Radio.Group label="Hospital system" value={vendor} onChange={(v) => setVendor(v as FormVendor)} required>
            <Stack gap="xs" mt="xs">
              {FORM_VENDORS.map((v) => (
                <Radio key={v} value={v} label={VENDOR_LABELS[v]} description={VENDOR_HELP[v]} />
              ))}
            </Stack>
          </Radio.Group>

          <Radio.Group label="Environment" value={environment} onChange={(v) => setEnvironment(v as Environment)} required>
            <Group mt="xs">
              <Radio value="sandbox" label="Sandbox" description="Test data only" />
              <Radio value="production" label="Production" description="Real patients; going live needs an owner or admin" />
            </Group>
          </Radio.Group>

          <TextInput
            label="Name"
            description="The hospital, as your team calls it (e.g. “St. Mary’s — Epic”)"
            required
            value={name}
            error={nameError}
            onChange={(e) => setName(e.currentTarget.value)}
          />

          {sandboxable && (
            <Card withBorder bg="var(--mantine-color-indigo-light)">
              <Stack gap="xs">
                <Title order={2} size="h5">
                  Try it against the sandbox EHR
                </Title>
                <Text size="sm">
                  Switchboard registers a client with its built-in {VENDOR_LABELS[vendor]} simulator, stores the credentials, runs the test and goes live when it
                  passes. No settings needed.
                </Text>
                <Group>
                  <Button type="button" variant="filled" onClick={connectSandbox} loading={create.isPending}>
                    Connect to the sandbox EHR
                  </Button>
                </Group>
                <Text size="xs" c="dimmed">
                  Or fill in a real sandbox’s settings below.
                </Text>
              </Stack>
            </Card>
          )}

          {fhirVendor && (
            <Stack gap="sm">
              <Title order={2} size="h4">
                {VENDOR_LABELS[vendor]} settings
              </Title>
              <TextInput
                label="FHIR base URL"
                description="From the hospital, e.g. https://fhir.hospital.org/api/FHIR/R4"
                type="url"
                value={fhirBaseUrl}
                onChange={(e) => setFhirBaseUrl(e.currentTarget.value)}
              />
              <TextInput
                label="Client ID"
                description={vendor === 'epic' ? 'The non-production or production client ID of your Epic app' : 'The client ID the hospital issued'}
                value={clientId}
                onChange={(e) => setClientId(e.currentTarget.value)}
              />
              {vendor === 'fhir' && (
                <TextInput
                  label="Token URL"
                  description="Leave empty: the test discovers it from .well-known/smart-configuration"
                  type="url"
                  value={tokenUrl}
                  onChange={(e) => setTokenUrl(e.currentTarget.value)}
                />
              )}
              {vendor === 'epic' && (
                <Text size="sm" c="dimmed">
                  The token URL is discovered by the test from the FHIR server’s SMART configuration. After saving, generate a key and register its JWKS URL with
                  the hospital.
                </Text>
              )}
              {(vendor === 'epic' || vendor === 'fhir') && (
                <Select
                  label="Signing algorithm"
                  data={[
                    { value: 'RS384', label: 'RS384 (RSA, what Epic expects by default)' },
                    { value: 'ES384', label: 'ES384 (elliptic curve P-384)' },
                  ]}
                  value={authAlg}
                  onChange={(v) => v && setAuthAlg(v as AssertionAlg)}
                  allowDeselect={false}
                />
              )}
              {vendor === 'oracle' && (
                <PasswordInput
                  label="Client secret"
                  description="Stored encrypted in the vault; nobody can read it back, you can only replace it."
                  autoComplete="off"
                  value={clientSecret}
                  onChange={(e) => setClientSecret(e.currentTarget.value)}
                />
              )}
              <ScopePicker vendor={vendor} value={scopes} onChange={setScopes} />
              <TextInput
                label="SMART launch client ID (optional)"
                description={`For apps launched from inside this EHR: the client ID the hospital gave the gateway, registered with the redirect URI ${window.location.origin}/smart/callback. Sandbox connections get one by themselves.`}
                value={smartClientId}
                onChange={(e) => setSmartClientId(e.currentTarget.value)}
              />
            </Stack>
          )}

          {vendor === 'athena' && (
            <AthenaFields
              value={athena}
              onChange={(next) => {
                setAthena(next);
                setAthenaIssues({});
              }}
              errors={athenaIssues}
              clientSecret={clientSecret}
              onClientSecret={setClientSecret}
            />
          )}

          {vendor === 'hl7v2' && (
            <Stack gap="sm">
              <Title order={2} size="h4">
                HL7 v2 interface
              </Title>
              <Group grow align="flex-start">
                <TextInput
                  label="MLLP host"
                  description="Where the hospital’s interface engine listens (for orders and notes we send)"
                  value={mllpHost}
                  onChange={(e) => setMllpHost(e.currentTarget.value)}
                />
                <NumberInput label="MLLP port" min={1} max={65535} allowDecimal={false} value={mllpPort} onChange={(v) => setMllpPort(typeof v === 'number' ? v : '')} />
              </Group>
              <Checkbox label="Use TLS" checked={mllpTls} onChange={(e) => setMllpTls(e.currentTarget.checked)} />
              <Group grow align="flex-start">
                <TextInput
                  label="Sending facility (MSH-4)"
                  description="How the hospital names itself in MSH-4"
                  value={facility}
                  onChange={(e) => setFacility(e.currentTarget.value)}
                />
                <TextInput
                  label="Sending application (MSH-3)"
                  description="The sending system in MSH-3, e.g. EPIC or ADT1"
                  value={application}
                  onChange={(e) => setApplication(e.currentTarget.value)}
                />
              </Group>
              <Select
                label="ACK mode"
                data={[
                  { value: 'original', label: 'Original (AA/AE/AR after processing)' },
                  { value: 'enhanced', label: 'Enhanced (CA commit, then application ACK)' },
                  { value: 'immediate', label: 'Immediate (AA on receipt)' },
                ]}
                value={ackMode}
                onChange={(v) => v && setAckMode(v as AckMode)}
                allowDeselect={false}
              />
            </Stack>
          )}

          {create.error && <ErrorState title="Could not create the connection" error={create.error} />}
          {create.isPending && sandboxable && (
            <Alert color="indigo" variant="light" role="status">
              Working… wiring a sandbox connection registers a client and runs a live test; it takes a few seconds.
            </Alert>
          )}

          <Group>
            <Button type="submit" loading={create.isPending}>
              Create connection
            </Button>
            <Button component={Link} to="/connections" variant="default">
              Cancel
            </Button>
          </Group>
        </Stack>
      </form>
    </Page>
  );
}
