/**
 * The included (free) units of a class in a stored plan definition (validated when the plan
 * version was written); 0 when the plan has no component for the class or includes none.
 */
export function includedUnitsOf(definition: unknown, cls: string): number {
  const components = (definition as { components?: unknown } | null)?.components;
  if (!Array.isArray(components)) return 0;
  const component = components.find((c: unknown) => (c as { class?: unknown } | null)?.class === cls) as { includedUnits?: unknown } | undefined;
  const included = component?.includedUnits;
  return typeof included === 'number' && Number.isInteger(included) && included > 0 ? included : 0;
}
