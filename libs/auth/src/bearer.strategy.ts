import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Actor } from '@sb/core';
import type { Request } from 'express';
import { Strategy } from 'passport';
import { AuthenticationService } from './authentication.service';

type Verify = (token: string, done: (err: unknown, actor?: Actor | false) => void) => void;

/** RFC 6750 bearer credentials from the Authorization header (never from the query string). */
class HttpBearerStrategy extends Strategy {
  override name = 'bearer';

  constructor(private readonly verify: Verify) {
    super();
  }

  override authenticate(req: Request): void {
    const match = /^Bearer ([\x21-\x7e]{1,4096})$/i.exec(req.headers.authorization ?? '');
    if (!match?.[1]) return this.fail('Bearer', 401);
    this.verify(match[1], (err, actor) => {
      if (err) return this.error(err);
      if (!actor) return this.fail('Bearer error="invalid_token"', 401);
      this.success(actor);
    });
  }
}

@Injectable()
export class BearerStrategy extends PassportStrategy(HttpBearerStrategy, 'bearer') {
  constructor(private readonly authentication: AuthenticationService) {
    super();
  }

  validate(token: string): Promise<Actor | null> {
    return this.authentication.authenticate(token);
  }
}
