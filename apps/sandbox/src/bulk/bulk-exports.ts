import type { Vendor } from '../faults/fault-queue';
import { BulkJobTable } from './bulk-jobs';
import { initialBulkSettings, type BulkSettings, type BulkSettingsUpdate } from './bulk-settings';
import { FileUrlSigner } from './signed-file-store';

/** The sandbox's $export state shared by the three vendors: settings, the job table and the file-link signer. */
export class BulkExports {
  readonly settings: Record<Vendor, BulkSettings>;
  readonly jobs: BulkJobTable;
  readonly signer = new FileUrlSigner();

  constructor(now: () => number, overrides: Partial<Record<Vendor, Partial<BulkSettings>>> = {}) {
    this.settings = initialBulkSettings(overrides);
    this.jobs = new BulkJobTable(now);
  }

  /** Changes some knobs of one vendor; jobs already started keep their duration and files. */
  update({ vendor, ...changes }: BulkSettingsUpdate): BulkSettings {
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    Object.assign(this.settings[vendor], defined);
    return { ...this.settings[vendor] };
  }
}
