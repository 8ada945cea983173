import { Module } from '@nestjs/common';
import { AdapterRuntime } from './adapter-runtime';

@Module({ providers: [AdapterRuntime], exports: [AdapterRuntime] })
export class AdaptersModule {}
