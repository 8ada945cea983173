import { Alert, Badge, Code, Stack, Table, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { StepStatus, TestReport, TestStep } from '../api/types';
import { formatDateTime } from '../ui/time';

const STEP_COLORS: Record<StepStatus, string> = { passed: 'green', warning: 'yellow', failed: 'red', skipped: 'gray' };
/** Hint text colour: a failure's is red; a warning's (something to act on that does not stop the connection) keeps the body colour, as yellow text on white is not legible enough. */
const HINT_COLORS: Partial<Record<StepStatus, string>> = { failed: 'red.8', warning: 'dark.7' };

const STEP_LABELS: Record<string, string> = {
  configuration: 'Configuration',
  'smart-configuration': 'SMART discovery',
  'smart-launch': 'SMART launch',
  'capability-statement': 'FHIR metadata',
  'access-token': 'Access token',
  'mllp-session': 'MLLP session',
  echo: 'Echo',
  // athenaOne
  token: 'Access token',
  'practice-access': 'Practice access',
  departments: 'Departments',
  'change-feed': 'Change feed',
};

/** The steps of one connection test: what ran, how it went, and what to check when it failed. */
export function TestReportView({ report, renderAction }: { report: TestReport; renderAction?: (step: TestStep) => ReactNode }) {
  const warnings = report.steps.filter((s) => s.status === 'warning').length;
  const title = !report.ok ? 'Test failed' : warnings > 0 ? `Test passed with ${warnings === 1 ? 'a warning' : `${warnings} warnings`}` : 'Test passed';
  return (
    <Stack gap="sm">
      <Alert color={!report.ok ? 'red' : warnings > 0 ? 'yellow' : 'green'} variant="light" title={title}>
        <Text size="sm">Tested {formatDateTime(report.testedAt)}</Text>
      </Alert>
      <Table.ScrollContainer minWidth={560}>
        <Table verticalSpacing="sm" aria-label="Test steps">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col" miw={140}>Step</Table.Th>
              <Table.Th scope="col" miw={100}>Result</Table.Th>
              <Table.Th scope="col">Duration</Table.Th>
              <Table.Th scope="col">Details</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {report.steps.map((step, i) => {
              // What to check comes from the API's one catalog of hints (libs/connections), keyed by code and step.
              const hintColor = HINT_COLORS[step.status];
              const hint = hintColor ? step.hint : undefined;
              return (
                <Table.Tr key={`${step.name}-${i}`}>
                  <Table.Td>{STEP_LABELS[step.name] ?? step.name}</Table.Td>
                  <Table.Td>
                    <Badge color={STEP_COLORS[step.status]} variant="light">
                      {step.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{step.status === 'skipped' ? '—' : `${Math.round(step.durationMs)} ms`}</Table.Td>
                  <Table.Td>
                    <Stack gap={4}>
                      <Text size="sm">
                        {step.detail} {step.code ? <Code>{step.code}</Code> : null}
                      </Text>
                      {hint && (
                        <Text size="sm" c={hintColor}>
                          {hint}
                        </Text>
                      )}
                      {renderAction?.(step)}
                    </Stack>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
