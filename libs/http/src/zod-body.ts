import { applyDecorators, Body, Query, type PipeTransform } from '@nestjs/common';
import { ApiBody } from '@nestjs/swagger';
import { ErrorCode, SbError } from '@sb/core';
import { z, type ZodType } from 'zod';

/** Validates with zod; field issues name the path and rule, never the submitted value. */
export class ZodPipe<T extends ZodType> implements PipeTransform<unknown, z.output<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown): z.output<T> {
    const parsed = this.schema.safeParse(value ?? {});
    if (parsed.success) return parsed.data;
    throw new SbError(ErrorCode.ValidationFailed, 'Request validation failed', {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })),
    });
  }
}

/** The JSON Schema of a zod schema, as OpenAPI shows request bodies. */
export const jsonSchemaOf = (schema: ZodType): Record<string, unknown> =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

/** Parameter decorator: a validated body, documented in OpenAPI from the same schema. */
export const ValidBody = <T extends ZodType>(schema: T): ParameterDecorator => Body(new ZodPipe(schema));

export const ValidQuery = <T extends ZodType>(schema: T): ParameterDecorator => Query(new ZodPipe(schema));

/** Method decorator documenting the request body from its zod schema. */
export const DocumentBody = (schema: ZodType): MethodDecorator => applyDecorators(ApiBody({ schema: jsonSchemaOf(schema) }));
