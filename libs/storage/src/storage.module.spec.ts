import { Test } from '@nestjs/testing';
import { APP_CONFIG, buildConfig, ConfigModule } from '@sb/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalObjectStorage } from './local/local-object-storage';
import { OBJECT_STORAGE, type ObjectStorage } from './object-storage';
import { S3ObjectStorage } from './s3/s3-object-storage';
import { createObjectStorage } from './storage-factory';
import { StorageModule } from './storage.module';

describe('StorageModule', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'sb-storage-module-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  async function storageFor(env: Record<string, string>): Promise<{ storage: ObjectStorage; close: () => Promise<void> }> {
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule, StorageModule] })
      .overrideProvider(APP_CONFIG)
      .useValue(buildConfig({ SB_STATE_DIR: stateDir, ...env }))
      .compile();
    const app = await moduleRef.init();
    return { storage: app.get<ObjectStorage>(OBJECT_STORAGE), close: () => app.close() };
  }

  it('provides the local driver under the state directory by default', async () => {
    const { storage, close } = await storageFor({});
    expect(storage).toBeInstanceOf(LocalObjectStorage);
    expect((storage as LocalObjectStorage).rootDir).toBe(join(stateDir, 'exports'));
    await close();
  });

  it('provides the S3 driver when configured, and closes its client at shutdown', async () => {
    const { storage, close } = await storageFor({
      SB_EXPORT_STORAGE: 's3',
      SB_S3_BUCKET: 'exports',
      SB_S3_REGION: 'eu-central-1',
      SB_S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      SB_S3_SECRET_ACCESS_KEY: 'secret',
    });
    expect(storage).toBeInstanceOf(S3ObjectStorage);
    expect((storage as S3ObjectStorage).bucket).toBe('exports');
    const destroyed = jest.spyOn(storage as S3ObjectStorage, 'onModuleDestroy');
    await close();
    expect(destroyed).toHaveBeenCalledTimes(1);
  });
});

describe('createObjectStorage', () => {
  it('builds the driver the settings name', () => {
    expect(createObjectStorage({ driver: 'local', dir: '/var/lib/sb/exports' })).toEqual(expect.objectContaining({ rootDir: '/var/lib/sb/exports' }));
    const s3 = createObjectStorage({
      driver: 's3',
      bucket: 'b',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'a', secretAccessKey: 's' },
    });
    expect(s3).toBeInstanceOf(S3ObjectStorage);
    (s3 as S3ObjectStorage).onModuleDestroy();
  });
});
