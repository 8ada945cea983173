import { Badge, Button, Card, Checkbox, Code, Collapse, Group, Radio, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { EventTypeDefinition, WebhookEndpoint, WebhookOrderingMode, WebhookPayloadMode } from '../api/types';
import { ErrorState, LoadingState } from '../ui/states';
import { useEventTypes, type EndpointInput } from './queries';

export const ALL_TYPES = '*';

function EventTypeRow({ def, checked, disabled, onToggle }: { def: EventTypeDefinition; checked: boolean; disabled: boolean; onToggle: (on: boolean) => void }) {
  const [open, setOpen] = useState(false);
  const detailsId = `event-type-${def.type.replace(/[^a-z0-9]/gi, '-')}`;
  return (
    <Card withBorder padding="xs">
      <Stack gap={4}>
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Checkbox
            label={
              <Group gap={6}>
                <Code>{def.type}</Code>
                <Text size="xs" c="dimmed">
                  v{def.version}
                </Text>
                {!def.emitted && (
                  <Badge size="xs" variant="light" color="gray">
                    not emitted yet
                  </Badge>
                )}
              </Group>
            }
            description={def.description}
            checked={checked}
            disabled={disabled}
            onChange={(e) => onToggle(e.currentTarget.checked)}
            aria-label={def.type}
          />
          <Button size="compact-xs" variant="subtle" onClick={() => setOpen((o) => !o)} aria-expanded={open} aria-controls={detailsId} aria-label={`Schema and example of ${def.type}`}>
            {open ? 'Hide schema' : 'Schema and example'}
          </Button>
        </Group>
        <Collapse expanded={open} id={detailsId} keepMounted={false}>
          <Stack gap={4} pt="xs">
            <Text size="xs" fw={500}>
              JSON Schema of data
            </Text>
            <Code block style={{ whiteSpace: 'pre', overflowX: 'auto' }}>
              {JSON.stringify(def.schema, null, 2)}
            </Code>
            <Text size="xs" fw={500}>
              Example
            </Text>
            {def.example !== undefined ? (
              <Code block style={{ whiteSpace: 'pre', overflowX: 'auto' }}>
                {JSON.stringify(def.example, null, 2)}
              </Code>
            ) : (
              <Text size="xs" c="dimmed">
                The catalog has no example for this type yet.
              </Text>
            )}
          </Stack>
        </Collapse>
      </Stack>
    </Card>
  );
}

/** Event types picked from the catalog (`*` for all, present and future), each with its description, schema and example. */
export function EventTypePicker({ value, onChange, error }: { value: string[]; onChange: (types: string[]) => void; error?: string }) {
  const catalog = useEventTypes();
  const all = value.includes(ALL_TYPES);
  const toggle = (type: string, on: boolean) => onChange(on ? [...value.filter((t) => t !== type), type] : value.filter((t) => t !== type));

  return (
    <Stack gap="xs" role="group" aria-labelledby="event-types-label">
      <Text id="event-types-label" fw={500} size="sm">
        Event types
      </Text>
      {catalog.isPending && <LoadingState label="Loading the event catalog…" />}
      {catalog.error && <ErrorState title="Could not load the event catalog" error={catalog.error} onRetry={() => void catalog.refetch()} />}
      {catalog.data && (
        <>
          <Checkbox
            label="All event types"
            description="Every type in the catalog, including types added later"
            checked={all}
            onChange={(e) => onChange(e.currentTarget.checked ? [ALL_TYPES] : [])}
          />
          {catalog.data.map((def) => (
            <EventTypeRow key={def.type} def={def} checked={all || value.includes(def.type)} disabled={all} onToggle={(on) => toggle(def.type, on)} />
          ))}
        </>
      )}
      {error && (
        <Text size="sm" c="red" role="alert">
          {error}
        </Text>
      )}
    </Stack>
  );
}

interface FormProps {
  initial?: WebhookEndpoint;
  submitLabel: string;
  pending: boolean;
  error: unknown;
  onSubmit: (input: EndpointInput) => void;
  onCancel?: () => void;
}

/** URL, description, event types, payload and ordering: the create and the edit form. */
export function EndpointForm({ initial, submitLabel, pending, error, onSubmit, onCancel }: FormProps) {
  const [url, setUrl] = useState(initial?.url ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [types, setTypes] = useState<string[]>(initial?.eventTypes ?? []);
  const [payload, setPayload] = useState<WebhookPayloadMode>(initial?.payload ?? 'thin');
  const [ordering, setOrdering] = useState<WebhookOrderingMode>(initial?.orderingKey ?? 'none');
  const [errors, setErrors] = useState<{ url?: string; types?: string }>({});

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next = { url: url.trim() ? undefined : 'Enter the URL that receives the events', types: types.length ? undefined : 'Pick at least one event type' };
    setErrors(next);
    if (next.url || next.types) return;
    onSubmit({ url: url.trim(), description: description.trim() || (initial ? null : undefined), eventTypes: types, payload, orderingKey: ordering });
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <TextInput
          label="Endpoint URL"
          description="HTTPS in production; private and loopback addresses are refused there."
          placeholder="https://app.example.com/webhooks/switchboard"
          value={url}
          onChange={(e) => setUrl(e.currentTarget.value)}
          error={errors.url}
          required
          type="url"
          autoComplete="off"
        />
        <TextInput label="Description" placeholder="Results for the care-team app" value={description} onChange={(e) => setDescription(e.currentTarget.value)} maxLength={500} />
        <EventTypePicker value={types} onChange={setTypes} error={errors.types} />
        <Radio.Group label="Payload" value={payload} onChange={(v) => setPayload(v as WebhookPayloadMode)}>
          <Stack gap={6} mt={4}>
            <Radio value="thin" label="Thin: FHIR references only (read the resources through the API)" />
            <Radio value="full" label="Full: references and the FHIR resources (patient data in every delivery)" />
          </Stack>
        </Radio.Group>
        <Radio.Group label="Ordering" value={ordering} onChange={(v) => setOrdering(v as WebhookOrderingMode)}>
          <Stack gap={6} mt={4}>
            <Radio value="none" label="None: deliveries in parallel (fastest)" />
            <Radio value="patient" label="Per patient: one patient’s events arrive in order" />
          </Stack>
        </Radio.Group>
        {Boolean(error) && <ErrorState title="The endpoint was not saved" error={error} />}
        <Group>
          <Button type="submit" loading={pending}>
            {submitLabel}
          </Button>
          {onCancel && (
            <Button variant="default" onClick={onCancel}>
              Cancel
            </Button>
          )}
        </Group>
      </Stack>
    </form>
  );
}
