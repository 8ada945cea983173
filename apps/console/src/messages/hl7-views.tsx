import { Accordion, Code } from '@mantine/core';

/** HL7 text with each segment on its own line (segments end in CR on the wire). */
export function Hl7Text({ text, label }: { text: string; label: string }) {
  const segments = text.split(/\r\n|\r|\n/).filter((s) => s.length > 0);
  return (
    // Focusable so keyboard users can scroll long segments (axe: scrollable-region-focusable).
    <Code block aria-label={label} tabIndex={0} style={{ whiteSpace: 'pre', overflowX: 'auto' }}>
      {segments.join('\n')}
    </Code>
  );
}

const resourceTitle = (r: unknown, i: number): string => {
  const { resourceType, id } = (r ?? {}) as { resourceType?: unknown; id?: unknown };
  return typeof resourceType === 'string' ? `${resourceType}${typeof id === 'string' ? `/${id}` : ''}` : `Resource ${i + 1}`;
};

export function ResourceList({ resources }: { resources: readonly unknown[] }) {
  return (
    <Accordion multiple variant="contained">
      {resources.map((r, i) => (
        <Accordion.Item key={resourceTitle(r, i)} value={`${i}`}>
          <Accordion.Control>{resourceTitle(r, i)}</Accordion.Control>
          <Accordion.Panel>
            <Code block tabIndex={0} style={{ whiteSpace: 'pre', overflowX: 'auto' }}>
              {JSON.stringify(r, null, 2)}
            </Code>
          </Accordion.Panel>
        </Accordion.Item>
      ))}
    </Accordion>
  );
}
