import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { json } from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { GatewayKeyService } from '@sb/auth';
import type { AppConfig } from '@sb/config';
import { ProblemFilter } from '@sb/http';
import { requestTelemetry, type Logger, PinoNestLogger } from '@sb/telemetry';
import { openApiDocument } from './api-schemas';
import { AppModule } from './app.module';
import { fhirCors } from './smart/smart-cors';
import { securityHeaders } from './security-headers';
import { refuseNulInUrl, refuseUnstorableJson } from './unstorable-input';

/** Request bodies above this are refused with 413 (admin and clinical JSON alike). */
export const MAX_BODY = '1mb';

/** Builds the api application (used by main and by the e2e tests). */
export async function createApiApp(config: AppConfig, logger: Logger): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false,
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  app.set('trust proxy', config.trustProxy);
  app.use(securityHeaders);
  app.use(requestTelemetry(logger));
  app.use('/fhir/r4', fhirCors);
  app.use(refuseNulInUrl);
  // express.json itself: Nest's useBodyParser reserves `verify`.
  app.use(json({ limit: MAX_BODY, strict: true, type: ['application/json', 'application/fhir+json'], verify: refuseUnstorableJson }));
  app.useBodyParser('urlencoded', { limit: '64kb', extended: false });
  app.useGlobalFilters(new ProblemFilter());
  app.disable('x-powered-by');
  // No ETag computed by hashing each JSON body (a SHA-1 over every search bundle): the FHIR facade sets the
  // resource's version ETag itself, which is what a conditional read compares.
  app.set('etag', false);

  const document = openApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });

  await app.get(GatewayKeyService).start();
  return app;
}

export type { AppConfig };
