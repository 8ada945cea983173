import { Button, Checkbox, Group, MultiSelect, Stack, Switch, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { NewHealthAlertRule } from '../api/types';
import { ErrorState } from '../ui/states';

export const ALERT_STATUSES = [
  { value: 'down', label: 'Down' },
  { value: 'degraded', label: 'Degraded' },
  { value: 'healthy', label: 'Healthy again (a recovery)' },
] as const;
type AlertStatus = (typeof ALERT_STATUSES)[number]['value'];

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** The rule form: a name, which connections (none picked: all, later ones too), which arrivals alert, optional quiet hours. */
export function HealthAlertRuleForm({
  connections,
  pending,
  error,
  onSubmit,
  onCancel,
}: {
  connections: { id: string; name: string }[];
  pending: boolean;
  error: unknown;
  onSubmit: (rule: NewHealthAlertRule) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState('');
  const [connectionIds, setConnectionIds] = useState<string[]>([]);
  const [to, setTo] = useState<AlertStatus[]>(['down', 'healthy']);
  const [quiet, setQuiet] = useState(false);
  const [from, setFrom] = useState('22:00');
  const [until, setUntil] = useState('07:00');
  const [timezone, setTimezone] = useState(browserZone);
  const quietValid = !quiet || (HH_MM.test(from) && HH_MM.test(until) && from !== until && timezone.trim() !== '');
  const complete = name.trim() !== '' && to.length > 0 && quietValid;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!complete) return;
    const statuses = ALERT_STATUSES.map((s) => s.value).filter((s) => to.includes(s));
    onSubmit({ name: name.trim(), connectionIds, to: statuses, ...(quiet ? { quietHours: { from, to: until, timezone: timezone.trim() } } : {}) });
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <TextInput label="Name" description="Shown in the webhook, e.g. “Lab feed down”" value={name} onChange={(e) => setName(e.currentTarget.value)} required data-autofocus autoComplete="off" />
        <MultiSelect
          label="Connections"
          description="None picked: every connection, including ones added later"
          placeholder={connectionIds.length === 0 ? 'All connections' : undefined}
          data={connections.map((c) => ({ value: c.id, label: c.name }))}
          value={connectionIds}
          onChange={setConnectionIds}
          searchable
        />
        <Checkbox.Group label="Alert when a connection becomes" required value={to} onChange={(v) => setTo(v as AlertStatus[])} error={to.length === 0 ? 'Pick at least one' : undefined}>
          <Stack gap={6} mt={6}>
            {ALERT_STATUSES.map((s) => (
              <Checkbox key={s.value} value={s.value} label={s.label} />
            ))}
          </Stack>
        </Checkbox.Group>
        <Switch label="Quiet hours (record, but send nothing)" checked={quiet} onChange={(e) => setQuiet(e.currentTarget.checked)} />
        {quiet && (
          <Group grow align="flex-start">
            <TextInput label="From" description="HH:MM" value={from} onChange={(e) => setFrom(e.currentTarget.value)} error={HH_MM.test(from) ? undefined : 'HH:MM'} />
            <TextInput label="Until" description="HH:MM" value={until} onChange={(e) => setUntil(e.currentTarget.value)} error={!HH_MM.test(until) ? 'HH:MM' : until === from ? 'Must differ from From' : undefined} />
            <TextInput label="Time zone" description="IANA, e.g. America/New_York" value={timezone} onChange={(e) => setTimezone(e.currentTarget.value)} />
          </Group>
        )}
        {Boolean(error) && <ErrorState title="Could not create the alert" error={error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={pending} disabled={!complete}>
            Create alert
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
