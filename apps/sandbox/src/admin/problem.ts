import type { Response } from 'express';
import type { z } from 'zod';

/** An RFC 7807 problem+json answer for the admin routes. */
export function problem(res: Response, status: number, code: string, detail: string, issues?: unknown[]): void {
  res
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', title: code.replace(/_/g, ' '), status, code, detail, ...(issues ? { issues } : {}) }));
}

export const zodIssues = (error: z.ZodError): { path: string; message: string }[] => error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
