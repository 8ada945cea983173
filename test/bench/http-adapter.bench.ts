/**
 * `npm run bench -- http-adapter`: NestJS request handling on its two HTTP
 * adapters, Express 5 (what the api uses) and Fastify 5, for a FHIR-sized JSON read
 * and a JSON write, with a global guard as every api route has. The server runs in
 * this process beside the load generator, identically for both adapters.
 */
import { Body, Controller, Get, Injectable, Module, Param, Post, type CanActivate, type INestApplication } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { runLoad, type LoadResult } from './load';

const CONCURRENCY = 8;
const REQUESTS = 5000;
const WARMUP = 1000;

/** A synthetic Patient of realistic size (~1.5 KB). */
const PATIENT = {
  resourceType: 'Patient',
  id: 'bench',
  meta: { profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient'], source: 'urn:switchboard:connection:bench' },
  identifier: Array.from({ length: 3 }, (_, i) => ({ system: `urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.${i}`, value: `E${1000 + i}` })),
  name: [{ use: 'official', family: 'Benchmark', given: ['Synthetic', 'Person'] }],
  gender: 'unknown',
  birthDate: '1970-01-01',
  address: [{ line: ['1 Test Way'], city: 'Nowhere', state: 'ZZ', postalCode: '00000' }],
  extension: Array.from({ length: 4 }, (_, i) => ({ url: `http://hl7.org/fhir/us/core/StructureDefinition/ext-${i}`, valueString: 'x'.repeat(80) })),
};

@Injectable()
class PassGuard implements CanActivate {
  canActivate(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

@Controller()
class BenchController {
  @Get('Patient/:id')
  read(@Param('id') id: string) {
    return { ...PATIENT, id };
  }

  @Post('echo')
  echo(@Body() body: unknown) {
    return body;
  }
}

@Module({ controllers: [BenchController], providers: [{ provide: APP_GUARD, useClass: PassGuard }] })
class BenchModule {}

async function measure(adapter: 'express' | 'fastify'): Promise<{ read: LoadResult; write: LoadResult }> {
  const app: INestApplication =
    adapter === 'express' ? await NestFactory.create(BenchModule, { logger: false }) : await NestFactory.create(BenchModule, new FastifyAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const body = JSON.stringify({ resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'text/plain', data: 'x'.repeat(1000) } }] });
  const read = (i: number) => ({ method: 'GET' as const, url: `${base}/Patient/p${i}` });
  const write = () => ({ method: 'POST' as const, url: `${base}/echo`, headers: { 'content-type': 'application/json' }, body });
  await runLoad(read, WARMUP, CONCURRENCY);
  const readResult = await runLoad(read, REQUESTS, CONCURRENCY);
  await runLoad(write, WARMUP, CONCURRENCY);
  const writeResult = await runLoad(write, REQUESTS, CONCURRENCY);
  await app.close();
  console.log(`  ${adapter.padEnd(8)} read  p50 ${readResult.p50Ms} ms  p99 ${readResult.p99Ms} ms  ${readResult.throughputPerSec} req/s`);
  console.log(`  ${adapter.padEnd(8)} write p50 ${writeResult.p50Ms} ms  p99 ${writeResult.p99Ms} ms  ${writeResult.throughputPerSec} req/s`);
  return { read: readResult, write: writeResult };
}

export async function run(): Promise<Record<string, unknown>> {
  console.log(`http-adapter bench: ${REQUESTS} requests per case at concurrency ${CONCURRENCY}`);
  const express = await measure('express');
  const fastify = await measure('fastify');
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    bench: 'http-adapter',
    concurrency: CONCURRENCY,
    requestsPerCase: REQUESTS,
    express,
    fastify,
    fastifyThroughputRatio: { read: round(fastify.read.throughputPerSec / express.read.throughputPerSec), write: round(fastify.write.throughputPerSec / express.write.throughputPerSec) },
    fastifyP99Ratio: { read: round(fastify.read.p99Ms / express.read.p99Ms), write: round(fastify.write.p99Ms / express.write.p99Ms) },
  };
}
