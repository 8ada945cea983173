import { Button, Checkbox, Group, MultiSelect, Stack, Switch, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { NewHealthAlertRule } from '../api/types';
import { ErrorState } from '../ui/states';
import { browserTimeZone, WallClockHoursFields, wallClockHoursValid, type WallClockHoursValue } from '../ui/wall-clock-hours-fields';

export const ALERT_STATUSES = [
  { value: 'down', label: 'Down' },
  { value: 'degraded', label: 'Degraded' },
  { value: 'healthy', label: 'Healthy again (a recovery)' },
] as const;
type AlertStatus = (typeof ALERT_STATUSES)[number]['value'];


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
  const [hours, setHours] = useState<WallClockHoursValue>(() => ({ from: '22:00', to: '07:00', timezone: browserTimeZone() }));
  const quietValid = !quiet || wallClockHoursValid(hours);
  const complete = name.trim() !== '' && to.length > 0 && quietValid;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!complete) return;
    const statuses = ALERT_STATUSES.map((s) => s.value).filter((s) => to.includes(s));
    onSubmit({ name: name.trim(), connectionIds, to: statuses, ...(quiet ? { quietHours: { ...hours, timezone: hours.timezone.trim() } } : {}) });
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
        {quiet && <WallClockHoursFields value={hours} onChange={setHours} />}
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
