import { Param, type PipeTransform } from '@nestjs/common';
import { notFound } from '@sb/core';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A malformed id cannot name anything, so it is "not found" like any unknown id (REST and GraphQL alike). */
export class IdPipe implements PipeTransform<string, string> {
  constructor(private readonly what: string) {}

  transform(value: string): string {
    if (!UUID.test(value)) throw notFound(this.what);
    return value.toLowerCase();
  }
}

/** A UUID path parameter; anything else is a 404 naming `what`. */
export const IdParam = (what: string, name = 'id'): ParameterDecorator => Param(name, new IdPipe(what));
