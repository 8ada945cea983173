import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { CopyField } from '../users/copy-field';

/** What the dialog shows: the app's client id, and its client secret when this answer carried one. */
export interface IssuedCredentials {
  appName: string;
  clientId: string;
  clientSecret: string | null;
  /** Shown after a rotation rather than a registration. */
  rotated: boolean;
}

/**
 * The client id and, for a confidential symmetric app, the client secret: shown once, after
 * registration or rotation. The secret lives in the page's state until this closes; never in
 * the query cache, storage, a URL or the log.
 */
export function CredentialsDialog({ issued, onClose }: { issued: IssuedCredentials | null; onClose: () => void }) {
  const secret = issued?.clientSecret ?? null;
  const title = !issued ? '' : issued.rotated ? `New client secret for “${issued.appName}”` : `“${issued.appName}” is registered`;
  return (
    <Modal opened={issued !== null} onClose={onClose} title={title} centered size="lg" closeOnClickOutside={secret === null}>
      {issued && (
        <Stack>
          <CopyField label="Client ID" value={issued.clientId} copyLabel="Copy client ID" />
          {secret !== null ? (
            <>
              <CopyField label="Client secret" value={secret} copyLabel="Copy client secret" />
              <Alert color="yellow" variant="light" title="Copy the client secret now: you will not see it again">
                <Text size="sm">
                  Switchboard keeps only a hash of it. Store it in the app’s secret manager; the app authenticates to the gateway’s token endpoint with it.
                  {issued.rotated ? ' The previous secret has stopped working.' : ''} If it is lost, rotate the secret.
                </Text>
              </Alert>
            </>
          ) : (
            <Text size="sm">The client ID is not a secret: configure it in the app. It stays visible in the list.</Text>
          )}
          <Group justify="flex-end">
            <Button onClick={onClose}>{secret !== null ? 'I have stored it, close' : 'Done'}</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
