import { Alert, Button, Checkbox, Code, Group, NativeSelect, Radio, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { isApiError } from '../api/client';
import { isoToLocalInput, localInputToIso } from '../messages/datetime';
import { ErrorState } from '../ui/states';
import { formatDateTime, formatDuration } from '../ui/time';
import { useStartExport, type ExportRequest } from './queries';
import { EXPORTABLE_TYPES, LEVEL_LABELS, type ExportLevel } from './support';

interface Draft {
  level: ExportLevel;
  groupId: string;
  types: string[];
  /** datetime-local value (local wall time). */
  since: string;
}

type Errors = Partial<Record<'groupId' | 'since', string>>;

function validate(draft: Draft, now: number): { errors: Errors; request?: ExportRequest } {
  const errors: Errors = {};
  if (draft.level === 'group' && !draft.groupId) errors.groupId = 'Choose the group to export';
  let since: string | null = null;
  if (draft.since) {
    since = localInputToIso(draft.since) ?? null;
    if (!since) errors.since = 'Enter a date and time, or leave it empty for every record';
    else if (Date.parse(since) > now) errors.since = 'Must be in the past';
  }
  if (Object.keys(errors).length > 0) return { errors };
  return { errors, request: { level: draft.level, groupId: draft.level === 'group' ? draft.groupId : null, types: draft.types, since } };
}

/** A vendor rule (429) refused the kick-off: its reason, and when to try again. */
function Refused({ error, at }: { error: unknown; at: number }) {
  if (!isApiError(error)) return null;
  const wait = error.retryAfterSeconds;
  return (
    <Alert color="yellow" variant="light" role="alert" title="The export was refused for now">
      <Stack gap={4}>
        <Text size="sm">
          {error.message} <Code>{error.code}</Code>
        </Text>
        <Text size="sm">
          {wait !== undefined
            ? `Try again in ${formatDuration(wait)} (after ${formatDateTime(new Date(at + wait * 1000).toISOString())}).`
            : 'Try again later.'}
        </Text>
      </Stack>
    </Alert>
  );
}

/** Level, group, types and `_since`; checked here before the API is asked. */
export function StartExportForm({
  connectionId,
  levels,
  groups,
  onStarted,
}: {
  connectionId: string;
  levels: readonly ExportLevel[];
  groups: readonly string[];
  onStarted: (exportId: string) => void;
}) {
  const start = useStartExport(connectionId);
  const [draft, setDraft] = useState<Draft>(() => ({ level: levels[0] ?? 'group', groupId: groups.length === 1 ? (groups[0] ?? '') : '', types: [], since: '' }));
  const [errors, setErrors] = useState<Errors>({});
  const groupLevelOnly = levels.length === 1 && levels[0] === 'group';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate(draft, Date.now());
    setErrors(checked.errors);
    if (checked.request) start.mutate(checked.request, { onSuccess: onStarted });
  };

  return (
    <form onSubmit={submit} aria-label="Start an export" noValidate>
      <Stack gap="md">
        {levels.length > 1 && (
          <Radio.Group label="What to export" value={draft.level} onChange={(v) => setDraft((d) => ({ ...d, level: v as ExportLevel }))}>
            <Stack gap="xs" mt={4}>
              {levels.map((level) => (
                <Radio key={level} value={level} label={LEVEL_LABELS[level].label} description={LEVEL_LABELS[level].description} />
              ))}
            </Stack>
          </Radio.Group>
        )}
        {draft.level === 'group' && (
          <NativeSelect
            label="Group"
            description={groupLevelOnly ? 'This EHR exports by group: the patients in one group the hospital set up.' : undefined}
            value={draft.groupId}
            onChange={(e) => {
              const groupId = e.currentTarget.value;
              setDraft((d) => ({ ...d, groupId }));
            }}
            error={errors.groupId}
            data={[{ value: '', label: 'Choose a group…' }, ...groups.map((g) => ({ value: g, label: g }))]}
            maw={560}
          />
        )}
        <Checkbox.Group
          label="Resource types"
          description="Leave all unchecked to export every type."
          value={draft.types}
          onChange={(types) => setDraft((d) => ({ ...d, types }))}
        >
          <SimpleGrid cols={{ base: 2, sm: 3, md: 4 }} spacing="xs" verticalSpacing="xs" mt="xs">
            {EXPORTABLE_TYPES.map((t) => (
              <Checkbox key={t} value={t} label={t} />
            ))}
          </SimpleGrid>
        </Checkbox.Group>
        <TextInput
          label="Changed since (optional)"
          description="Only records created or changed after this time (_since)."
          type="datetime-local"
          value={draft.since}
          max={isoToLocalInput(new Date().toISOString())}
          onChange={(e) => {
            const since = e.currentTarget.value;
            setDraft((d) => ({ ...d, since }));
          }}
          error={errors.since}
          maw={380}
        />
        <Group>
          <Button type="submit" loading={start.isPending}>
            Start export
          </Button>
        </Group>
        {start.error &&
          (isApiError(start.error) && start.error.status === 429 ? (
            <Refused error={start.error} at={start.submittedAt} />
          ) : (
            <ErrorState title="Could not start the export" error={start.error} />
          ))}
      </Stack>
    </form>
  );
}
