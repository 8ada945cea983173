import type { Request } from 'express';

/**
 * athena's request parameters: the query string, plus the form body of a
 * write (athena takes a PUT's parameters on either). Names are matched without
 * regard to case — athena's own `next` links send DEPARTMENTID.
 */
export class AthenaParams {
  private readonly values = new Map<string, string[]>();
  /** The query string's names as sent, in order (for echoing into `next`). */
  readonly queryEntries: [string, string][];

  constructor(query: string, form?: string) {
    this.queryEntries = [...new URLSearchParams(query)];
    for (const [name, value] of [...this.queryEntries, ...(form ? new URLSearchParams(form) : [])]) {
      const key = name.toLowerCase();
      const list = this.values.get(key) ?? [];
      list.push(value);
      this.values.set(key, list);
    }
  }

  static of(req: Request): AthenaParams {
    const url = req.originalUrl || req.url;
    const q = url.indexOf('?');
    const isForm = /application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '');
    const form = isForm && Buffer.isBuffer(req.body) ? req.body.toString('utf8') : undefined;
    return new AthenaParams(q === -1 ? '' : url.slice(q + 1), form);
  }

  /** The first non-empty value. */
  get(name: string): string | undefined {
    return this.values.get(name.toLowerCase())?.find((v) => v !== '');
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Every value, repeated parameters and comma lists alike ("1,150" and departmentid=1&departmentid=150). */
  all(name: string): string[] {
    return (this.values.get(name.toLowerCase()) ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  }

  flag(name: string): boolean {
    return (this.get(name) ?? '').toLowerCase() === 'true';
  }

  /** The names of `required` that are absent, as athena lists them in `missingfields`. */
  missing(required: readonly string[]): string[] {
    return required.filter((name) => !this.has(name));
  }
}
