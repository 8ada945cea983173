import type { Interaction } from '@sb/core';

/** Every kind of call that crosses to a hospital or comes from one. */
export const OPERATIONS = ['read', 'search', 'create', 'update', 'delete', 'echo', 'message.in', 'message.out', 'bulk-export'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The SMART interaction an operation needs on its resource type. */
export const INTERACTION_FOR: Record<Operation, Interaction> = {
  read: 'r',
  search: 's',
  create: 'c',
  update: 'u',
  delete: 'd',
  echo: 'r',
  'message.in': 'c',
  'message.out': 'c',
  'bulk-export': 's',
};
