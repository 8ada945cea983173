import { Anchor, Breadcrumbs, Card, Text } from '@mantine/core';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { Page } from '../ui/page';
import { EndpointForm } from './endpoint-form';
import { useCreateEndpoint } from './queries';
import { SecretDialog } from './secret-dialog';

/** Register an endpoint; its signing secret is shown once, then the endpoint's page opens. */
export default function WebhookNewPage() {
  const create = useCreateEndpoint();
  const navigate = useNavigate();
  // The secret exists only here, until the dialog closes.
  const [created, setCreated] = useState<{ id: string; url: string; secret: string } | null>(null);

  const close = () => {
    const id = created?.id;
    setCreated(null);
    create.reset();
    if (id) void navigate(`/webhooks/${id}`, { replace: true });
  };

  return (
    <Page title="Add webhook endpoint">
      <Breadcrumbs>
        <Anchor component={Link} to="/webhooks">
          Webhooks
        </Anchor>
        <Text size="sm">New endpoint</Text>
      </Breadcrumbs>
      <Card withBorder maw={860}>
        <EndpointForm
          submitLabel="Create endpoint"
          pending={create.isPending}
          error={create.error}
          onSubmit={(input) => create.mutate(input, { onSuccess: ({ id, url, secret }) => setCreated({ id, url, secret }) })}
          onCancel={() => void navigate('/webhooks')}
        />
      </Card>
      <SecretDialog secret={created?.secret ?? null} endpointUrl={created?.url ?? ''} onClose={close} />
    </Page>
  );
}
