import { Checkbox, SimpleGrid } from '@mantine/core';
import type { Vendor } from '../api/types';
import { CAPABILITIES, scopeOf } from './vendors';

/** Scopes picked by what the app may do at the hospital; unknown scopes already set are kept. */
export function ScopePicker({ vendor, value, onChange }: { vendor: Vendor; value: string[]; onChange: (scopes: string[]) => void }) {
  const known = new Set(CAPABILITIES.map((c) => scopeOf(c, vendor)));
  const others = value.filter((s) => !known.has(s));
  return (
    <Checkbox.Group
      label="What may Switchboard do at the hospital?"
      description="Each choice asks the hospital for one SMART scope; the hospital’s app registration must grant it too."
      value={value.filter((s) => known.has(s))}
      onChange={(picked) => onChange([...others, ...picked])}
    >
      <SimpleGrid cols={{ base: 1, sm: 2 }} mt="xs" spacing="xs">
        {CAPABILITIES.map((c) => {
          const scope = scopeOf(c, vendor);
          return <Checkbox key={scope} value={scope} label={c.label} description={scope} />;
        })}
      </SimpleGrid>
    </Checkbox.Group>
  );
}
