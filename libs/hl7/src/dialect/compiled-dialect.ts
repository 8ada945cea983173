import type { Coding } from '@medplum/fhirtypes';
import { isKnownTimeZone, type CODE_MAP_FIELDS, type Hl7Dialect, type Hl7ZSegmentRule } from './hl7-dialect.schema';

/** A parsed `SEG-field[-component[-subcomponent]]` path. */
export interface FieldPath {
  readonly segment: string;
  readonly field: number;
  readonly component?: number;
  readonly subcomponent?: number;
}

export type CompiledOverride =
  | { readonly target: FieldPath; readonly from: FieldPath }
  | { readonly target: FieldPath; readonly value: string };

export interface CompiledCodeMap {
  readonly sourceSystem?: string;
  readonly map: ReadonlyMap<string, Coding>;
}

/** A dialect in the shape the converter reads (lookups as Maps), built once per dialect object. */
export interface CompiledDialect {
  readonly timezone: string;
  readonly mrnSystem?: string;
  readonly otherSystems: ReadonlyMap<string, string>;
  readonly patientField: 2 | 3 | 4;
  readonly patientTypeCode: string;
  readonly patientAuthority?: string;
  readonly overrides: readonly CompiledOverride[];
  readonly codeMaps: ReadonlyMap<(typeof CODE_MAP_FIELDS)[number], readonly CompiledCodeMap[]>;
  readonly zSegments: readonly Hl7ZSegmentRule[];
}

/** The zone used when a dialect names none: times without an offset are read as UTC. */
export const DEFAULT_TIMEZONE = 'UTC';

const cache = new WeakMap<Hl7Dialect, CompiledDialect>();

export function parseFieldPath(path: string): FieldPath {
  const [segment, field, component, subcomponent] = path.split('-');
  return {
    segment,
    field: Number(field),
    ...(component ? { component: Number(component) } : {}),
    ...(subcomponent ? { subcomponent: Number(subcomponent) } : {}),
  };
}

/**
 * Compiles a dialect (validated by `hl7DialectSchema` at the edge) into lookup maps; cached
 * per dialect object so converting many messages of one connection compiles it once.
 * Returns undefined when the dialect names a time zone the runtime does not know.
 */
export function compileDialect(dialect: Hl7Dialect): CompiledDialect | undefined {
  const cached = cache.get(dialect);
  if (cached) return cached;
  const timezone = dialect.timezone ?? DEFAULT_TIMEZONE;
  if (!isKnownTimeZone(timezone)) return undefined;
  const codeMaps = new Map<(typeof CODE_MAP_FIELDS)[number], CompiledCodeMap[]>();
  for (const m of dialect.codeMaps ?? []) {
    const list = codeMaps.get(m.field) ?? [];
    list.push({ sourceSystem: m.sourceSystem, map: new Map(Object.entries(m.map)) });
    codeMaps.set(m.field, list);
  }
  const field = dialect.patientIdentifier?.field ?? 'PID-3';
  const compiled: CompiledDialect = {
    timezone,
    mrnSystem: dialect.identifierSystems?.mrn,
    otherSystems: new Map(Object.entries(dialect.identifierSystems?.other ?? {})),
    patientField: field === 'PID-2' ? 2 : field === 'PID-4' ? 4 : 3,
    patientTypeCode: dialect.patientIdentifier?.typeCode ?? 'MR',
    patientAuthority: dialect.patientIdentifier?.assigningAuthority,
    overrides: (dialect.fieldOverrides ?? []).map((o) =>
      'from' in o ? { target: parseFieldPath(o.target), from: parseFieldPath(o.from) } : { target: parseFieldPath(o.target), value: o.value },
    ),
    codeMaps,
    zSegments: dialect.zSegments ?? [],
  };
  cache.set(dialect, compiled);
  return compiled;
}
