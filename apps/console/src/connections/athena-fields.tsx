import { Group, NumberInput, PasswordInput, Stack, TagsInput, Text, TextInput, Title } from '@mantine/core';
import type { Environment } from '../api/types';
import type { AthenaCreateInput } from './queries';

/** What the athena part of the add-connection form holds (strings as typed; numbers or '' from NumberInput). */
export interface AthenaFormValues {
  practiceId: string;
  clientId: string;
  baseUrl: string;
  tokenUrl: string;
  departmentIds: string[];
  pollSeconds: number | '';
  replayMinutes: number | '';
}

export const EMPTY_ATHENA: AthenaFormValues = { practiceId: '', clientId: '', baseUrl: '', tokenUrl: '', departmentIds: [], pollSeconds: '', replayMinutes: '' };

export type AthenaFieldErrors = Partial<Record<'practiceId' | 'clientId' | 'departmentIds', string>>;

const DIGITS = /^\d{1,12}$/;
const blank = (s: string): string | undefined => (s.trim() === '' ? undefined : s.trim());

/**
 * The form's own checks, in the API's terms (libs/connections createConnectionSchema):
 * practice and client id are needed unless the connection is a sandbox one left
 * empty, which the one-click path wires to the simulator.
 */
export function athenaErrors(v: AthenaFormValues, environment: Environment): AthenaFieldErrors {
  const errors: AthenaFieldErrors = {};
  const practiceId = v.practiceId.trim();
  const provisioned = environment === 'sandbox' && !blank(v.clientId) && !blank(v.baseUrl) && !blank(v.tokenUrl);
  if (practiceId && !DIGITS.test(practiceId)) errors.practiceId = 'Digits only: the number in athena’s API paths (/v1/{practiceid}).';
  else if (!practiceId && !provisioned) errors.practiceId = 'Enter the athenaOne practice id.';
  if (!blank(v.clientId) && !provisioned) errors.clientId = 'Enter the client ID of your athena app.';
  const badDepartment = v.departmentIds.find((d) => !DIGITS.test(d));
  if (badDepartment !== undefined) errors.departmentIds = `“${badDepartment}” is not a department id (digits only).`;
  return errors;
}

/** Tags as typed or pasted ("1, 150" taken on blur becomes two), trimmed, each once. */
const departmentIdsOf = (tags: readonly string[]): string[] => [...new Set(tags.flatMap((t) => t.split(/[\s,]+/)).filter(Boolean))];

/** The create body's athena settings: only what was filled in, under the API's field names. */
export function athenaInput(v: AthenaFormValues): Omit<AthenaCreateInput, 'vendor' | 'name' | 'environment'> {
  return {
    ...(blank(v.practiceId) ? { athenaPracticeId: blank(v.practiceId) } : {}),
    ...(blank(v.clientId) ? { clientId: blank(v.clientId) } : {}),
    ...(blank(v.baseUrl) ? { athenaBaseUrl: blank(v.baseUrl) } : {}),
    ...(blank(v.tokenUrl) ? { tokenUrl: blank(v.tokenUrl) } : {}),
    ...(v.departmentIds.length > 0 ? { departmentIds: v.departmentIds } : {}),
    ...(v.pollSeconds === '' ? {} : { changePollSeconds: v.pollSeconds }),
    ...(v.replayMinutes === '' ? {} : { changeReplayMinutes: v.replayMinutes }),
  };
}

/** athenaOne settings: the practice and the app's credentials, then the optional endpoints, departments and change-feed polling. */
export function AthenaFields({
  value,
  onChange,
  errors,
  clientSecret,
  onClientSecret,
}: {
  value: AthenaFormValues;
  onChange: (next: AthenaFormValues) => void;
  errors: AthenaFieldErrors;
  clientSecret: string;
  onClientSecret: (secret: string) => void;
}) {
  const set = <K extends keyof AthenaFormValues>(key: K, v: AthenaFormValues[K]) => onChange({ ...value, [key]: v });
  return (
    <Stack gap="sm">
      <Title order={2} size="h4">
        athenahealth settings
      </Title>
      <Group grow align="flex-start">
        <TextInput
          label="Practice ID"
          description="The athenaOne practice (the number in every API path); the shared preview practice is 195900"
          inputMode="numeric"
          value={value.practiceId}
          error={errors.practiceId}
          onChange={(e) => set('practiceId', e.currentTarget.value)}
        />
        <TextInput
          label="Client ID"
          description="From your app in the athena Developer Portal (preview and production apps differ)"
          value={value.clientId}
          error={errors.clientId}
          onChange={(e) => set('clientId', e.currentTarget.value)}
        />
      </Group>
      <PasswordInput
        label="Client secret"
        description="Stored encrypted in the vault; nobody can read it back, you can only replace it."
        autoComplete="off"
        value={clientSecret}
        onChange={(e) => onClientSecret(e.currentTarget.value)}
      />
      <TextInput
        label="API base URL"
        description="Leave empty for athena’s own host: the preview platform for sandbox connections, the production platform for production ones"
        type="url"
        value={value.baseUrl}
        onChange={(e) => set('baseUrl', e.currentTarget.value)}
      />
      <TextInput
        label="Token URL"
        description="Leave empty: the base URL’s /oauth2/v1/token"
        type="url"
        value={value.tokenUrl}
        onChange={(e) => set('tokenUrl', e.currentTarget.value)}
      />
      <TagsInput
        label="Departments"
        description="Department ids to serve and watch for changes; leave empty for all of the practice’s departments"
        placeholder="e.g. 1, 150"
        splitChars={[',', ' ']}
        value={value.departmentIds}
        error={errors.departmentIds}
        onChange={(ids) => set('departmentIds', departmentIdsOf(ids))}
      />
      <Group grow align="flex-start">
        <NumberInput
          label="Change poll interval (seconds)"
          description="How often the appointment and patient change feeds are read; empty for the default"
          min={5}
          max={3600}
          allowDecimal={false}
          value={value.pollSeconds}
          onChange={(v) => set('pollSeconds', typeof v === 'number' ? v : '')}
        />
        <NumberInput
          label="Replay window (minutes)"
          description="Already-read changes fetched again when polling starts, so none is lost; empty for the default"
          min={1}
          max={1440}
          allowDecimal={false}
          value={value.replayMinutes}
          onChange={(v) => set('replayMinutes', typeof v === 'number' ? v : '')}
        />
      </Group>
      <Text size="sm" c="dimmed">
        After saving, run the test: it gets a token, checks access to the practice and its departments, and whether the change feed is subscribed (the change poller
        subscribes once the connection is live).
      </Text>
    </Stack>
  );
}
