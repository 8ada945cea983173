import { Button, Group, Modal, NumberInput, Stack, Switch, Text } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { ConnectionFields, Hl7Silence } from '../api/types';
import { ErrorState } from '../ui/states';
import { browserTimeZone, WallClockHoursFields, wallClockHoursValid, type WallClockHoursValue } from '../ui/wall-clock-hours-fields';
import { useUpdateConnection } from './queries';

const MIN_MINUTES = 5;
const MAX_MINUTES = 10_080;

/** The watch as GraphQL carried it (a JSON object), when it has the API's shape. */
export function feedWatchOf(c: Pick<ConnectionFields, 'hl7Silence'>): Hl7Silence | null {
  const w = c.hl7Silence as Partial<Hl7Silence> | null | undefined;
  return w && typeof w.minutes === 'number' ? { minutes: w.minutes, hours: w.hours ?? null } : null;
}

/** The watch in words. */
export function describeFeedWatch(w: Hl7Silence | null): string {
  if (!w) return 'Not watched: a silent feed does not change its health';
  const when = w.hours ? `between ${w.hours.from} and ${w.hours.to} (${w.hours.timezone})` : 'at any hour';
  return `Degraded when no message arrives for ${w.minutes} minutes ${when}`;
}

function FeedWatchForm({ current, pending, error, onSave, onCancel }: { current: Hl7Silence | null; pending: boolean; error: unknown; onSave: (w: Hl7Silence | null) => void; onCancel: () => void }) {
  const [watched, setWatched] = useState(current !== null);
  const [minutes, setMinutes] = useState<number | string>(current?.minutes ?? 30);
  const [limited, setLimited] = useState(current?.hours != null);
  const [hours, setHours] = useState<WallClockHoursValue>(current?.hours ?? { from: '07:00', to: '19:00', timezone: browserTimeZone() });
  const minutesOk = typeof minutes === 'number' && Number.isInteger(minutes) && minutes >= MIN_MINUTES && minutes <= MAX_MINUTES;
  const hoursOk = !limited || wallClockHoursValid(hours);
  const valid = !watched || (minutesOk && hoursOk);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid) return;
    onSave(watched ? { minutes: minutes as number, hours: limited ? { ...hours, timezone: hours.timezone.trim() } : null } : null);
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Switch label="Watch this feed" checked={watched} onChange={(e) => setWatched(e.currentTarget.checked)} />
        {watched && (
          <>
            <NumberInput
              label="Minutes without a message"
              description="The feed turns Degraded after this long without an inbound message (5 to 10080)"
              value={minutes}
              onChange={setMinutes}
              min={MIN_MINUTES}
              max={MAX_MINUTES}
              allowDecimal={false}
              error={minutesOk ? undefined : `A whole number from ${MIN_MINUTES} to ${MAX_MINUTES}`}
            />
            <Switch label="Only during these hours" checked={limited} onChange={(e) => setLimited(e.currentTarget.checked)} />
            {limited && <WallClockHoursFields value={hours} onChange={setHours} />}
          </>
        )}
        {Boolean(error) && <ErrorState title="Could not save the feed watch" error={error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={pending} disabled={!valid}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** An HL7 feed's watch (`hl7Silence`): what it is, and for editors a dialog to change it. */
export function FeedWatch({ connection, canEdit }: { connection: ConnectionFields; canEdit: boolean }) {
  const update = useUpdateConnection(connection.id);
  const [editing, setEditing] = useState(false);
  const current = feedWatchOf(connection);
  const close = () => {
    setEditing(false);
    update.reset();
  };
  return (
    <Stack gap="xs">
      <Group justify="space-between" align="center">
        <Text size="sm">{describeFeedWatch(current)}</Text>
        {canEdit && (
          <Button size="xs" variant="light" onClick={() => setEditing(true)}>
            Edit feed watch
          </Button>
        )}
      </Group>
      <Modal opened={editing} onClose={close} title="Feed watch" centered size="lg">
        <FeedWatchForm current={current} pending={update.isPending} error={update.error} onCancel={close} onSave={(w) => update.mutate({ hl7Silence: w }, { onSuccess: close })} />
      </Modal>
    </Stack>
  );
}
