import { applyDecorators, Body, Query, type PipeTransform } from '@nestjs/common';
import { ApiBody, ApiQuery, ApiResponse } from '@nestjs/swagger';
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

/**
 * The JSON Schema of a zod schema as OpenAPI 3.0 shows it: `input` for request bodies (what
 * a caller may send: defaults optional), `output` for responses (what the api returns).
 */
export const jsonSchemaOf = (schema: ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> => {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'openapi-3.0' }) as Record<string, unknown>;
  return json;
};

/** Parameter decorator: a validated body, documented in OpenAPI from the same schema. */
export const ValidBody = <T extends ZodType>(schema: T): ParameterDecorator => Body(new ZodPipe(schema));

/** Parameter decorator: validated query parameters, each documented in OpenAPI from the same (object) schema. */
export const ValidQuery =
  <T extends ZodType>(schema: T): ParameterDecorator =>
  (target, key, index) => {
    Query(new ZodPipe(schema))(target, key, index);
    const descriptor = key === undefined ? undefined : Object.getOwnPropertyDescriptor(target, key);
    if (key !== undefined && descriptor) DocumentQuery(schema)(target, key, descriptor);
  };

/** Method decorator documenting each property of a zod object schema as a query parameter. */
export const DocumentQuery = (schema: ZodType): MethodDecorator => {
  const json = jsonSchemaOf(schema);
  const properties = (json.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((json.required ?? []) as string[]);
  return applyDecorators(
    ...Object.entries(properties).map(([name, property]) =>
      ApiQuery({ name, required: required.has(name), schema: property, ...(typeof property.description === 'string' ? { description: property.description } : {}) }),
    ),
  );
};

/** Method decorator documenting the request body from its zod schema. */
export const DocumentBody = (schema: ZodType): MethodDecorator => applyDecorators(ApiBody({ schema: jsonSchemaOf(schema) }));

/**
 * Method decorator documenting a JSON response from its zod schema (the typed console
 * client is generated from these). `status` defaults to 200; a 204 route documents none.
 */
export const DocumentResponse = (schema: ZodType, status = 200, description = 'Success'): MethodDecorator =>
  applyDecorators(ApiResponse({ status, description, schema: jsonSchemaOf(schema, 'output') }));
