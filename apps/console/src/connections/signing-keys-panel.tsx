import { Badge, Button, Code, CopyButton, Group, Select, Stack, Table, Text, TextInput, Tooltip } from '@mantine/core';
import { useState } from 'react';
import type { AssertionAlg, Connection } from '../api/types';
import { ErrorState } from '../ui/states';
import { formatDateTime } from '../ui/time';
import { assertionAlgOf, useGenerateKey, type SigningKey } from './queries';

/** Where the hospital fetches this connection's public keys. */
export const jwksUrlOf = (connectionId: string, origin: string = window.location.origin): string => `${origin}/.well-known/jwks/${connectionId}.json`;

export function JwksUrl({ url }: { url: string }) {
  return (
    <Stack gap={4}>
      <Group gap="xs" wrap="nowrap" align="flex-end">
        <TextInput label="JWKS URL" value={url} readOnly style={{ flex: 1 }} onFocus={(e) => e.currentTarget.select()} />
        <CopyButton value={url}>
          {({ copied, copy }) => (
            <Tooltip label={copied ? 'Copied' : 'Copy'} withArrow>
              <Button variant={copied ? 'light' : 'default'} color={copied ? 'teal' : undefined} onClick={copy} aria-label="Copy JWKS URL">
                {copied ? 'Copied' : 'Copy'}
              </Button>
            </Tooltip>
          )}
        </CopyButton>
      </Group>
      <Text size="sm">Paste this URL into the JWK Set URL of your app registration at the hospital.</Text>
    </Stack>
  );
}

/** SMART Backend Services keys: generate one, then register the JWKS URL with the hospital. */
export function SigningKeysPanel({ connection, keys, canEdit }: { connection: Pick<Connection, 'id' | 'authAlg'>; keys: readonly SigningKey[]; canEdit: boolean }) {
  const generate = useGenerateKey(connection.id);
  const [alg, setAlg] = useState<AssertionAlg>(assertionAlgOf(connection.authAlg));

  const published = keys.filter((k) => k.status !== 'retired');
  const url = published[0]?.jwksUrl ?? jwksUrlOf(connection.id);

  return (
    <Stack gap="md">
      {published.length > 0 ? (
        <JwksUrl url={url} />
      ) : (
        <Text size="sm">No signing key yet. Generate one, then register the JWKS URL with the hospital’s app.</Text>
      )}
      {keys.length > 0 && (
        <Table aria-label="Signing keys" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Key ID</Table.Th>
              <Table.Th scope="col">Algorithm</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Created</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {keys.map((k) => (
              <Table.Tr key={k.kid}>
                <Table.Td>
                  <Code>{k.kid}</Code>
                </Table.Td>
                <Table.Td>{k.alg}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={k.status === 'active' ? 'green' : k.status === 'retiring' ? 'yellow' : 'gray'}>
                    {k.status}
                  </Badge>
                </Table.Td>
                <Table.Td>{formatDateTime(k.createdAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {canEdit && (
        <Group align="flex-end">
          <Select
            label="Key algorithm"
            data={['RS384', 'ES384']}
            value={alg}
            onChange={(v) => v && setAlg(v as AssertionAlg)}
            allowDeselect={false}
            w={160}
          />
          <Button onClick={() => generate.mutate(alg)} loading={generate.isPending}>
            {published.length > 0 ? 'Generate new key' : 'Generate key'}
          </Button>
        </Group>
      )}
      {published.length > 0 && canEdit && (
        <Text size="xs" c="dimmed">
          A new key makes the current one “retiring”: it stays published until retired, so the hospital can pick up the new one without downtime.
        </Text>
      )}
      {generate.error && <ErrorState title="Could not generate a key" error={generate.error} />}
    </Stack>
  );
}

