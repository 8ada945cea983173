import { Card, Stack, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** A titled card on a detail page, named by its title for assistive technology. */
export function Section({ title, children }: { title: string; children: ReactNode }) {
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
