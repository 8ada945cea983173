/** One difference between two conversions of a message. */
export interface ResourceChange {
  op: 'add' | 'remove' | 'change';
  /** `Patient/<id>.identifier[0].system`; a whole resource is `Patient/<id>`. */
  path: string;
  before?: unknown;
  after?: unknown;
}

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

function diffValue(path: string, before: Json, after: Json, out: ResourceChange[]): void {
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      if (i >= before.length) out.push({ op: 'add', path: `${path}[${i}]`, after: after[i] });
      else if (i >= after.length) out.push({ op: 'remove', path: `${path}[${i}]`, before: before[i] });
      else diffValue(`${path}[${i}]`, before[i], after[i], out);
    }
    return;
  }
  if (isObject(before) && isObject(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const child = `${path}.${key}`;
      if (!(key in before)) out.push({ op: 'add', path: child, after: after[key] });
      else if (!(key in after)) out.push({ op: 'remove', path: child, before: before[key] });
      else diffValue(child, before[key], after[key], out);
    }
    return;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ op: 'change', path, before, after });
}

const keyOf = (r: { resourceType?: string; id?: string }): string => `${r.resourceType ?? '?'}/${r.id ?? '?'}`;

/** What changes between two lists of resources, matched by type and id (deterministic ids make that stable). */
export function diffResources(before: readonly { resourceType?: string; id?: string }[], after: readonly { resourceType?: string; id?: string }[]): ResourceChange[] {
  const out: ResourceChange[] = [];
  const beforeByKey = new Map(before.map((r) => [keyOf(r), r]));
  const afterByKey = new Map(after.map((r) => [keyOf(r), r]));
  for (const [key, b] of beforeByKey) {
    const a = afterByKey.get(key);
    if (!a) out.push({ op: 'remove', path: key, before: b });
    else {
      const { resourceType: _t1, id: _i1, ...bRest } = b;
      const { resourceType: _t2, id: _i2, ...aRest } = a;
      diffValue(key, bRest, aRest, out);
    }
  }
  for (const [key, a] of afterByKey) if (!beforeByKey.has(key)) out.push({ op: 'add', path: key, after: a });
  return out;
}
