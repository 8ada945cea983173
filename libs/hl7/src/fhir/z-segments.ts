import type { Extension, Resource } from '@medplum/fhirtypes';
import type { Hl7ZSegmentRule } from '../dialect/hl7-dialect.schema';
import type { ConversionContext } from './conversion-context';
import { asCode } from './v2-datatypes';
import { parseV2DateTime } from './v2-time';

/**
 * The dialect's Z-segment rules: each non-empty value of `segment-field[-component]` becomes an
 * extension (`url`, `value<valueType>`) on every converted resource of the rule's type. Values
 * that do not fit the type (a boolean that is not Y/N, a malformed date) are skipped: a site's
 * private segment is never a reason to refuse a message.
 */
export function applyZSegments(ctx: ConversionContext, resources: readonly Resource[]): void {
  for (const rule of ctx.dialect.zSegments) {
    const extensions: Extension[] = [];
    for (const segment of ctx.message.all(rule.segment)) {
      const extension = toExtension(rule, segment.value(rule.field, rule.component ?? 1), ctx.dialect.timezone);
      if (extension) extensions.push(extension);
    }
    if (!extensions.length) continue;
    for (const resource of resources) {
      if (resource.resourceType !== rule.resource) continue;
      const target = resource as Resource & { extension?: Extension[] };
      target.extension = [...(target.extension ?? []), ...extensions.map((e) => ({ ...e }))];
    }
  }
}

const TRUE = new Set(['Y', 'YES', 'T', 'TRUE', '1']);
const FALSE = new Set(['N', 'NO', 'F', 'FALSE', '0']);

function toExtension(rule: Hl7ZSegmentRule, text: string, zone: string): Extension | undefined {
  if (!text) return undefined;
  const { url } = rule;
  switch (rule.valueType) {
    case 'string':
      return { url, valueString: text };
    case 'code':
      return { url, valueCode: asCode(text) };
    case 'boolean': {
      const upper = text.toUpperCase();
      return TRUE.has(upper) ? { url, valueBoolean: true } : FALSE.has(upper) ? { url, valueBoolean: false } : undefined;
    }
    case 'integer': {
      const n = Number(text);
      return /^[+-]?\d+$/.test(text) && n >= -2147483648 && n <= 2147483647 ? { url, valueInteger: n } : undefined;
    }
    case 'dateTime': {
      const when = parseV2DateTime(text, zone);
      return when ? { url, valueDateTime: when.dateTime } : undefined;
    }
  }
}
