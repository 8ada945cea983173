import { Alert, Anchor, Badge, Breadcrumbs, Button, Card, Checkbox, Code, Group, JsonInput, List, Loader, NumberInput, SimpleGrid, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { isApiError } from '../api/client';
import type { Connection, ConversionView, DialectPreview, ReplayRow, ResourceChange } from '../api/types';
import { useConnection } from '../connections/queries';
import { Page } from '../ui/page';
import { ErrorState, LoadingState } from '../ui/states';
import { ResourceList } from './hl7-views';
import { usePhiAccess } from './phi';
import { usePreviewDialect, useSaveDialect, type PreviewInput } from './queries';

const AUTO_PREVIEW_MS = 800;
export const MAX_REPLAY = 500;

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card withBorder component="section" aria-label={title}>
      <Stack gap="sm">
        <Title order={2} size="h4">
          {title}
        </Title>
        {children}
      </Stack>
    </Card>
  );
}

type Parsed = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

function parseDialect(text: string): Parsed {
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: 'A dialect is a JSON object, e.g. {"timezone": "America/Chicago"}' };
    return { ok: true, value: value as Record<string, unknown> };
  } catch (e) {
    return { ok: false, error: `Not valid JSON: ${(e as Error).message}` };
  }
}

/** The API's field issues on the dialect, as the editor's error text. */
function dialectIssues(error: unknown): string[] {
  if (!isApiError(error) || !error.issues) return [];
  return error.issues.filter((i) => i.path === 'dialect' || i.path.startsWith('dialect.')).map((i) => `${i.path.replace(/^dialect\.?/, '') || '(dialect)'}: ${i.message}`);
}

/**
 * JSON with object keys sorted: the API stores dialects as jsonb, which returns keys in
 * its own order, so "saved" compares content, not the order the user typed.
 */
export const canonicalJson = (v: unknown): string =>
  JSON.stringify(v, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );

const show = (v: unknown): string => (v === undefined ? '—' : JSON.stringify(v));

function Output({ label, view }: { label: string; view: ConversionView }) {
  return (
    <Stack gap="xs">
      <Text fw={500} size="sm">
        {label}
      </Text>
      {view.ok ? (
        <ResourceList resources={view.resources} />
      ) : (
        <Alert role="note" color="red" variant="light" title={`Conversion fails: ${view.error.code}`}>
          {view.error.reason}
        </Alert>
      )}
    </Stack>
  );
}

function DiffTable({ diff }: { diff: ResourceChange[] }) {
  if (diff.length === 0) return <Text size="sm">No difference: the edited dialect produces the same FHIR for this message.</Text>;
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table verticalSpacing={4} aria-label="Differences">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Change</Table.Th>
            <Table.Th scope="col">Path</Table.Th>
            <Table.Th scope="col">Current dialect</Table.Th>
            <Table.Th scope="col">Edited dialect</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {diff.map((c) => (
            <Table.Tr key={`${c.op}:${c.path}`}>
              <Table.Td>{c.op}</Table.Td>
              <Table.Td>
                <Code>{c.path}</Code>
              </Table.Td>
              <Table.Td style={{ wordBreak: 'break-all' }}>{show(c.before)}</Table.Td>
              <Table.Td style={{ wordBreak: 'break-all' }}>{show(c.after)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

const CHANGE_LABELS: Record<ReplayRow['change'], { label: string; color: string }> = {
  unchanged: { label: 'unchanged', color: 'gray' },
  changed: { label: 'would change', color: 'yellow' },
  now_fails: { label: 'would now fail', color: 'red' },
  now_succeeds: { label: 'would now succeed', color: 'green' },
  still_fails: { label: 'still fails', color: 'orange' },
};

function ReplayResults({ connectionId, replay }: { connectionId: string; replay: NonNullable<DialectPreview['replay']> }) {
  const { readContent } = usePhiAccess();
  const affected = replay.messages.filter((m) => m.change !== 'unchanged');
  return (
    <Stack gap="sm">
      <Text size="sm" role="status">
        Replayed {replay.replayed} stored message{replay.replayed === 1 ? '' : 's'}: {replay.changed} would change, {replay.nowFailing} would now fail, {replay.nowSucceeding} would now succeed.
      </Text>
      {affected.length > 0 && (
        <Table.ScrollContainer minWidth={640}>
          <Table verticalSpacing={4} aria-label="Replay results">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Control ID</Table.Th>
                <Table.Th scope="col">Type</Table.Th>
                <Table.Th scope="col">Result</Table.Th>
                <Table.Th scope="col">Changed paths</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {affected.map((m) => (
                <Table.Tr key={m.messageId}>
                  <Table.Td>
                    {readContent ? (
                      <Anchor component={Link} to={`/connections/${connectionId}/messages/${m.messageId}`}>
                        {m.controlId}
                      </Anchor>
                    ) : (
                      <Code>{m.controlId}</Code>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Code>{m.messageType}</Code>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={CHANGE_LABELS[m.change].color}>
                      {CHANGE_LABELS[m.change].label}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {m.changedPaths.length > 0 ? (
                      <List size="xs" spacing={0}>
                        {m.changedPaths.map((p) => (
                          <List.Item key={p}>
                            <Code>{p}</Code>
                          </List.Item>
                        ))}
                      </List>
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

function PreviewPane({ connectionId, result }: { connectionId: string; result: DialectPreview }) {
  return (
    <>
      {result.message && (
        <Section title="Sample message">
          <Text fw={500} size="sm">
            Differences against the current dialect
          </Text>
          <DiffTable diff={result.message.diff} />
          <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
            <Output label="FHIR output with the edited dialect" view={result.message.candidate} />
            <Output label="FHIR output with the current dialect" view={result.message.current} />
          </SimpleGrid>
        </Section>
      )}
      {result.replay && (
        <Section title="Replay of stored messages">
          <ReplayResults connectionId={connectionId} replay={result.replay} />
        </Section>
      )}
    </>
  );
}

function DialectEditor({ connection }: { connection: Connection }) {
  const [text, setText] = useState(() => JSON.stringify(connection.dialect ?? {}, null, 2));
  const [sample, setSample] = useState('');
  const [replay, setReplay] = useState<number | string>(20);
  const [auto, setAuto] = useState(false);
  const [localError, setLocalError] = useState<string | null>(null);
  const preview = usePreviewDialect(connection.id);
  const save = useSaveDialect(connection.id);
  const savedText = useRef(canonicalJson(connection.dialect ?? {}));

  const replayCount = typeof replay === 'number' && replay > 0 ? Math.min(replay, MAX_REPLAY) : undefined;

  const build = (): PreviewInput | null => {
    const parsed = parseDialect(text);
    if (!parsed.ok) {
      setLocalError(parsed.error);
      return null;
    }
    if (!sample.trim() && !replayCount) {
      setLocalError('Paste a sample message or choose how many stored messages to replay.');
      return null;
    }
    setLocalError(null);
    // HL7 segments end in CR; a pasted message usually has LF.
    return { dialect: parsed.value, message: sample.trim() ? sample.trim().replace(/\r?\n/g, '\r') : undefined, replay: replayCount };
  };

  const runPreview = () => {
    const input = build();
    if (input) preview.mutate(input);
  };

  const [debounced] = useDebouncedValue(`${text}\u0000${sample}\u0000${String(replay)}`, AUTO_PREVIEW_MS);
  const runRef = useRef(runPreview);
  runRef.current = runPreview;
  useEffect(() => {
    if (auto) runRef.current();
  }, [auto, debounced]);

  const onSave = () => {
    const parsed = parseDialect(text);
    if (!parsed.ok) {
      setLocalError(parsed.error);
      return;
    }
    setLocalError(null);
    save.mutate(parsed.value, { onSuccess: (c) => (savedText.current = canonicalJson(c.dialect ?? {})) });
  };

  const issues = [...dialectIssues(preview.error), ...dialectIssues(save.error)];
  const editorError = localError ?? (issues.length > 0 ? issues.join('\n') : undefined);
  const parsedNow = parseDialect(text);
  const unsaved = !parsedNow.ok || canonicalJson(parsedNow.value) !== savedText.current;

  return (
    <Stack gap="lg">
      <Section title="Dialect">
        <Text size="sm" c="dimmed">
          Fields: <Code>timezone</Code>, <Code>identifierSystems</Code>, <Code>patientIdentifier</Code>, <Code>fieldOverrides</Code>, <Code>codeMaps</Code>,{' '}
          <Code>zSegments</Code>. Nothing is saved until you press “Save dialect”.
        </Text>
        <JsonInput
          label="Dialect (JSON)"
          value={text}
          onChange={setText}
          autosize
          minRows={10}
          maxRows={30}
          formatOnBlur
          error={editorError}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' }, error: { whiteSpace: 'pre-line' } }}
        />
        <Textarea
          label="Sample message (optional)"
          description="Paste an HL7 v2 message to see its FHIR output with the current and the edited dialect. It is sent for this preview only."
          value={sample}
          onChange={(e) => setSample(e.currentTarget.value)}
          autosize
          minRows={3}
          maxRows={12}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
        />
        <Group align="flex-end" gap="md">
          <NumberInput
            label="Replay the last N stored messages"
            description={`0 for none, at most ${MAX_REPLAY}`}
            value={replay}
            onChange={setReplay}
            min={0}
            max={MAX_REPLAY}
            w={260}
          />
          <Checkbox label="Preview as I type" checked={auto} onChange={(e) => setAuto(e.currentTarget.checked)} />
        </Group>
        <Group>
          <Button onClick={runPreview} loading={preview.isPending}>
            Preview
          </Button>
          <Button variant="filled" color="green" onClick={onSave} loading={save.isPending} disabled={!unsaved}>
            Save dialect
          </Button>
          {!unsaved && save.isSuccess && (
            <Text size="sm" role="status">
              Dialect saved. New messages use it; reprocess older ones from the message log.
            </Text>
          )}
        </Group>
        {preview.isPending && (
          <Group gap="xs" role="status" aria-live="polite">
            <Loader size="xs" />
            <Text size="sm">Running the preview{replayCount ? `, replaying the last ${replayCount} stored messages` : ''}…</Text>
          </Group>
        )}
        {preview.error && issues.length === 0 && <ErrorState title="The preview failed" error={preview.error} />}
        {save.error && <ErrorState title="Could not save the dialect" error={save.error} />}
      </Section>
      {preview.data && !preview.isPending && <PreviewPane connectionId={connection.id} result={preview.data} />}
    </Stack>
  );
}

/** The HL7 v2 dialect editor: edit, preview (FHIR output, diff, replay), then save. */
export default function DialectPage() {
  const { id = '' } = useParams();
  const connection = useConnection(id);

  let content;
  if (connection.isPending) content = <LoadingState label="Loading connection…" />;
  else if (connection.error) content = <ErrorState title="Could not load the connection" error={connection.error} onRetry={() => void connection.refetch()} />;
  else if (connection.data.vendor !== 'hl7v2')
    content = (
      <Alert role="note" color="gray" variant="light" title="No dialect editor here">
        Dialects with a live preview are for HL7 v2 connections.
      </Alert>
    );
  else content = <DialectEditor connection={connection.data} />;

  const name = connection.data?.name ?? 'Connection';
  return (
    <Page title={`Dialect · ${name}`}>
      <Breadcrumbs>
        <Anchor component={Link} to="/connections">
          Connections
        </Anchor>
        <Anchor component={Link} to={`/connections/${id}`}>
          {name}
        </Anchor>
        <Text size="sm">Dialect</Text>
      </Breadcrumbs>
      {content}
    </Page>
  );
}
