import type { E2eStack } from '@sb/testing';
import { randomUUID } from 'node:crypto';

/** A new tenant with a live Epic sandbox connection, and the sandbox's Epic patients to call for. */
export interface EpicBenchTenant {
  /** The tenant's API key. */
  key: string;
  connectionId: string;
  /** The id of a sandbox patient, cycling through them by `i`. */
  patientId: (i: number) => string;
}

export async function epicBenchTenant(stack: E2eStack): Promise<EpicBenchTenant> {
  const { key } = await stack.newTenant(`bench-${randomUUID().slice(0, 8)}`);
  const connection = await stack.call('POST', '/v1/connections', key, { name: 'Epic sandbox', vendor: 'epic', environment: 'sandbox' });
  if (connection.body.status !== 'live') throw new Error('the bench connection did not go live');
  const patients = (await (await fetch(`${stack.sandboxUrl}/_sandbox/patients?vendor=epic`)).json()) as { id: string }[];
  return { key, connectionId: connection.body.id as string, patientId: (i) => patients[i % patients.length]!.id };
}

/** The median of `values` (the mean of the middle two for an even count). */
export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
