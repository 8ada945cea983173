import { Alert, Button, Code, Group, Radio, Stack, Switch, Text, TextInput, Textarea } from '@mantine/core';
import { useState, type CSSProperties, type FormEvent } from 'react';
import { ErrorState } from '../ui/states';
import { fieldIssues, linesOf, scopesOf, type SmartAppField } from './form-issues';
import type { CreateSmartAppInput, SmartApp, UpdateSmartAppInput } from './queries';

/**
 * Field errors in red shade 9 (5.5:1 on white): Mantine's default error red, also the
 * colour of an invalid field's text, is 3.3:1, below WCAG AA.
 */
const READABLE_ERRORS = { '--mantine-color-error': 'var(--mantine-color-red-9)' } as CSSProperties;

export const SCOPES_PLACEHOLDER = 'launch openid fhirUser\npatient/Patient.rs\npatient/Observation.rs?category=laboratory';

type ClientAuth = 'secret' | 'jwks';

interface CreateProps {
  mode: 'create';
  pending: boolean;
  error: unknown;
  onSubmit: (input: CreateSmartAppInput) => void;
  onCancel: () => void;
}
interface EditProps {
  mode: 'edit';
  app: SmartApp;
  pending: boolean;
  error: unknown;
  onSubmit: (input: UpdateSmartAppInput) => void;
  onCancel: () => void;
}

/**
 * Register or edit a SMART app: name, launch URL, redirect URIs (one per line), scopes (space
 * or line separated), and on registration whether it is confidential and how it authenticates.
 * The API validates; its 400 issues show under the fields they name.
 */
export function SmartAppForm(props: CreateProps | EditProps) {
  const initial = props.mode === 'edit' ? props.app : null;
  const [name, setName] = useState(initial?.name ?? '');
  const [launchUrl, setLaunchUrl] = useState(initial?.launchUrl ?? '');
  const [redirects, setRedirects] = useState(initial?.redirectUris.join('\n') ?? '');
  const [scopes, setScopes] = useState(initial?.scopes.join('\n') ?? '');
  const [confidential, setConfidential] = useState(false);
  const [auth, setAuth] = useState<ClientAuth>('secret');
  const [jwksUrl, setJwksUrl] = useState(initial?.jwksUrl ?? '');
  const [missing, setMissing] = useState<Partial<Record<SmartAppField, string>>>({});
  // The fields edited since the API's last answer: its issue about them may no longer hold.
  const [edited, setEdited] = useState<ReadonlySet<SmartAppField>>(new Set());
  const [answered, setAnswered] = useState<unknown>(props.error);
  if (answered !== props.error) {
    setAnswered(props.error);
    setEdited(new Set());
  }

  const redirectLines = linesOf(redirects);
  const { fields: fromApi, rest } = fieldIssues(props.error, redirectLines);
  const errorOf = (field: SmartAppField) => missing[field] ?? (edited.has(field) ? undefined : fromApi[field]);
  /** A field's change handler: its value, and its messages cleared until the next submit. */
  const changing = (field: SmartAppField, set: (value: string) => void) => (value: string) => {
    set(value);
    if (missing[field]) setMissing(({ [field]: _gone, ...others }) => others);
    if (!edited.has(field)) setEdited(new Set(edited).add(field));
  };
  const onName = changing('name', setName);
  const onLaunchUrl = changing('launchUrl', setLaunchUrl);
  const onRedirects = changing('redirectUris', setRedirects);
  const onScopes = changing('scopes', setScopes);
  const onJwksUrl = changing('jwksUrl', setJwksUrl);
  const asymmetric = props.mode === 'edit' ? props.app.clientType === 'confidential-asymmetric' : confidential && auth === 'jwks';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next: Partial<Record<SmartAppField, string>> = {};
    if (!name.trim()) next.name = 'Enter the app’s name';
    if (!launchUrl.trim()) next.launchUrl = 'Enter the URL the EHR opens the app at';
    if (redirectLines.length === 0) next.redirectUris = 'Enter at least one redirect URI';
    if (scopesOf(scopes).length === 0) next.scopes = 'Enter at least one scope';
    if (asymmetric && !jwksUrl.trim()) next.jwksUrl = 'Enter the URL of the app’s JWKS';
    setMissing(next);
    if (Object.keys(next).length > 0) return;
    const common = { name: name.trim(), launchUrl: launchUrl.trim(), redirectUris: redirectLines.map((l) => l.value), scopes: scopesOf(scopes) };
    if (props.mode === 'create') props.onSubmit({ ...common, confidential, ...(asymmetric ? { jwksUrl: jwksUrl.trim() } : {}) });
    else props.onSubmit({ ...common, ...(asymmetric && jwksUrl.trim() !== props.app.jwksUrl ? { jwksUrl: jwksUrl.trim() } : {}) });
  };

  return (
    <form onSubmit={submit} noValidate style={READABLE_ERRORS}>
      <Stack gap="md">
        <TextInput label="Name" description="As clinicians know the app, e.g. “Telehealth Visit”" value={name} onChange={(e) => onName(e.currentTarget.value)} error={errorOf('name')} required maxLength={100} autoComplete="off" data-autofocus />
        <TextInput
          label="Launch URL"
          description="Where the gateway opens the app with iss and launch. HTTPS in production (http only for localhost)."
          placeholder="https://telehealth.example.com/smart/launch"
          value={launchUrl}
          onChange={(e) => onLaunchUrl(e.currentTarget.value)}
          error={errorOf('launchUrl')}
          required
          type="url"
          autoComplete="off"
        />
        <Textarea
          label="Redirect URIs"
          description="One per line, 1 to 10, exactly as the app sends them (no #fragment)."
          placeholder="https://telehealth.example.com/smart/callback"
          value={redirects}
          onChange={(e) => onRedirects(e.currentTarget.value)}
          error={errorOf('redirectUris')}
          required
          autosize
          minRows={2}
          maxRows={10}
          spellCheck={false}
        />
        <Textarea
          label="Scopes"
          description={
            <>
              The most the app may be granted, separated by spaces or lines: SMART v2 (<Code>patient/Observation.rs</Code>), v1 (<Code>patient/*.read</Code>, stored as <Code>.rs</Code>), and{' '}
              <Code>launch</Code>, <Code>openid</Code>, <Code>fhirUser</Code>, <Code>offline_access</Code>.
            </>
          }
          placeholder={SCOPES_PLACEHOLDER}
          value={scopes}
          onChange={(e) => onScopes(e.currentTarget.value)}
          error={errorOf('scopes')}
          required
          autosize
          minRows={3}
          maxRows={12}
          spellCheck={false}
        />
        {props.mode === 'create' ? (
          <Stack gap="xs">
            <Switch
              label="Confidential app"
              description="The app has a back end that can keep a credential. Browser-only and native apps are public."
              checked={confidential}
              onChange={(e) => setConfidential(e.currentTarget.checked)}
              error={errorOf('confidential')}
            />
            {confidential && (
              <Radio.Group label="How the app authenticates" value={auth} onChange={(v) => setAuth(v as ClientAuth)}>
                <Stack gap={6} mt={4}>
                  <Radio value="secret" label="Client secret: generated now and shown once" />
                  <Radio value="jwks" label="Private key JWT: the app publishes its public keys at a JWKS URL" />
                </Stack>
              </Radio.Group>
            )}
          </Stack>
        ) : (
          <Text size="sm" c="dimmed">
            Client type: {CLIENT_TYPE_LABELS[props.app.clientType]} (fixed at registration).
          </Text>
        )}
        {asymmetric && (
          <TextInput
            label="JWKS URL"
            description="HTTPS in production; the gateway fetches the app’s public keys here."
            placeholder="https://telehealth.example.com/.well-known/jwks.json"
            value={jwksUrl}
            onChange={(e) => onJwksUrl(e.currentTarget.value)}
            error={errorOf('jwksUrl')}
            required
            type="url"
            autoComplete="off"
          />
        )}
        {rest ? (
          <ErrorState title="The app was not saved" error={props.error} />
        ) : (Object.keys(fromApi) as SmartAppField[]).some((f) => !edited.has(f)) ? (
          <Alert color="red" variant="light" role="alert" title="The app was not saved">
            Correct the fields marked in red.
          </Alert>
        ) : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={props.pending}>
            {props.mode === 'create' ? 'Register app' : 'Save changes'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export const CLIENT_TYPE_LABELS: Record<SmartApp['clientType'], string> = {
  public: 'Public',
  'confidential-symmetric': 'Confidential, client secret',
  'confidential-asymmetric': 'Confidential, private key JWT',
};
