import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from '@mantine/core';

/**
 * A signing secret, shown once: after create and rotate only. It lives in the
 * opening page's state until this dialog closes; never in storage, a URL or the log.
 */
export function SecretDialog({ secret, endpointUrl, onClose }: { secret: string | null; endpointUrl: string; onClose: () => void }) {
  return (
    <Modal opened={secret !== null} onClose={onClose} title="Signing secret" centered size="lg" closeOnClickOutside={false}>
      <Stack>
        <Alert color="yellow" variant="light" title="Copy it now: it will not be shown again">
          Switchboard signs every delivery to {endpointUrl} with this secret (Standard Webhooks). Store it in your receiver’s secret manager.
        </Alert>
        <Code block aria-label="Signing secret" style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
          {secret}
        </Code>
        <Group justify="space-between">
          <CopyButton value={secret ?? ''}>
            {({ copied, copy }) => (
              <Button variant="light" color={copied ? 'teal' : undefined} onClick={copy}>
                {copied ? 'Copied' : 'Copy secret'}
              </Button>
            )}
          </CopyButton>
          <Button onClick={onClose}>I have stored it, close</Button>
        </Group>
        <Text size="xs" c="dimmed">
          Lost it? Rotate the secret on the endpoint’s page; the previous one keeps signing for 24 hours.
        </Text>
      </Stack>
    </Modal>
  );
}
