import { Button, Group, Loader, MultiSelect, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { WebhookEndpoint } from '../api/types';
import { localInputToIso } from '../messages/datetime';
import { ErrorState } from '../ui/states';
import { useEventTypes, useReplay, useReplayOne } from './queries';

/** "Replay since…": every subscribed event in a time range (optionally of some types), or one event by its id. */
export function ReplayPanel({ endpoint }: { endpoint: WebhookEndpoint }) {
  const catalog = useEventTypes();
  const replay = useReplay(endpoint.id);
  const replayOne = useReplayOne(endpoint.id);
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [types, setTypes] = useState<string[]>([]);
  const [eventId, setEventId] = useState('');
  const [formError, setFormError] = useState<string | null>(null);

  const subscribed = endpoint.eventTypes.includes('*') ? (catalog.data ?? []).map((d) => d.type) : endpoint.eventTypes;
  const disabled = endpoint.status !== 'enabled';

  const submitRange = (e: FormEvent) => {
    e.preventDefault();
    const sinceIso = localInputToIso(since);
    const untilIso = localInputToIso(until);
    if (!sinceIso) return setFormError('Choose the date and time to replay from');
    if (untilIso && Date.parse(untilIso) <= Date.parse(sinceIso)) return setFormError('“Until” must be after “Since”');
    setFormError(null);
    replay.mutate({ since: sinceIso, until: untilIso, eventTypes: types.length ? types : undefined });
  };

  const submitOne = (e: FormEvent) => {
    e.preventDefault();
    if (eventId.trim()) replayOne.mutate(eventId.trim());
  };

  return (
    <Stack gap="xl">
      <form onSubmit={submitRange} aria-label="Replay a time range">
        <Stack gap="sm">
          <Title order={3} size="h5">
            Replay since…
          </Title>
          <Text size="sm" c="dimmed">
            Delivers again every event in the range that this endpoint subscribes to; receivers see the same webhook-id as before.
          </Text>
          <Group align="flex-start" grow>
            <TextInput label="Since" type="datetime-local" value={since} onChange={(e) => setSince(e.currentTarget.value)} required error={formError ?? undefined} />
            <TextInput label="Until (optional)" type="datetime-local" value={until} onChange={(e) => setUntil(e.currentTarget.value)} />
          </Group>
          <MultiSelect label="Event types (optional)" placeholder={types.length ? undefined : 'All subscribed types'} data={subscribed} value={types} onChange={setTypes} searchable clearable />
          <Group>
            <Button type="submit" loading={replay.isPending} disabled={disabled}>
              Replay
            </Button>
            {replay.isPending && (
              <Group gap="xs" role="status" aria-live="polite">
                <Loader size="xs" />
                <Text size="sm">Scheduling deliveries…</Text>
              </Group>
            )}
            {replay.data && !replay.isPending && (
              <Text size="sm" role="status">
                {replay.data.scheduled === 0 ? 'No events in that range.' : `${replay.data.scheduled} deliveries scheduled; they appear in the attempts as the worker sends them.`}
              </Text>
            )}
          </Group>
          {replay.error && <ErrorState title="The replay was refused" error={replay.error} />}
        </Stack>
      </form>
      <form onSubmit={submitOne} aria-label="Deliver one event again">
        <Stack gap="sm">
          <Title order={3} size="h5">
            Deliver one event again
          </Title>
          <Group align="flex-end">
            <TextInput label="Event ID (webhook-id)" value={eventId} onChange={(e) => setEventId(e.currentTarget.value)} w={380} autoComplete="off" />
            <Button type="submit" variant="light" loading={replayOne.isPending} disabled={disabled || !eventId.trim()}>
              Deliver again
            </Button>
          </Group>
          {replayOne.isSuccess && (
            <Text size="sm" role="status">
              Delivery scheduled.
            </Text>
          )}
          {replayOne.error && <ErrorState title="Could not deliver the event again" error={replayOne.error} />}
        </Stack>
      </form>
      {disabled && <Text size="sm">Enable the endpoint to replay events.</Text>}
    </Stack>
  );
}
