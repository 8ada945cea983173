import { Group, TextInput } from '@mantine/core';

/** A time of day as the API takes it. */
export const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export interface WallClockHoursValue {
  from: string;
  to: string;
  timezone: string;
}

/** The browser's IANA zone: the default for new hours. */
export const browserTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** Whether the hours are ones the API accepts (it checks the zone itself). */
export const wallClockHoursValid = (h: WallClockHoursValue): boolean => HH_MM.test(h.from) && HH_MM.test(h.to) && h.from !== h.to && h.timezone.trim() !== '';

/** Daily hours in a time zone (an alert rule's quiet hours, a feed's watched hours): From, Until, Time zone. */
export function WallClockHoursFields({ value, onChange }: { value: WallClockHoursValue; onChange: (next: WallClockHoursValue) => void }) {
  return (
    <Group grow align="flex-start">
      <TextInput label="From" description="HH:MM" value={value.from} onChange={(e) => onChange({ ...value, from: e.currentTarget.value })} error={HH_MM.test(value.from) ? undefined : 'HH:MM'} />
      <TextInput
        label="Until"
        description="HH:MM"
        value={value.to}
        onChange={(e) => onChange({ ...value, to: e.currentTarget.value })}
        error={!HH_MM.test(value.to) ? 'HH:MM' : value.to === value.from ? 'Must differ from From' : undefined}
      />
      <TextInput label="Time zone" description="IANA, e.g. America/Chicago" value={value.timezone} onChange={(e) => onChange({ ...value, timezone: e.currentTarget.value })} />
    </Group>
  );
}
