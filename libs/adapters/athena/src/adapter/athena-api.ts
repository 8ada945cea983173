import type { AdapterContext } from '@sb/adapters/contracts';
import { AthenaHttp } from '../client/athena-http';
import { AthenaChart } from '../client/chart';
import { AthenaDocuments } from '../client/documents';
import { AthenaPatients } from '../client/patients';
import { AthenaScheduling } from '../client/scheduling';

/** athena's API for one adapter call, by capability, over one request core. */
export interface AthenaApi {
  http: AthenaHttp;
  patients: AthenaPatients;
  chart: AthenaChart;
  scheduling: AthenaScheduling;
  documents: AthenaDocuments;
}

export function athenaApi(ctx: AdapterContext): AthenaApi {
  const http = AthenaHttp.for(ctx);
  const patients = new AthenaPatients(http);
  return { http, patients, chart: new AthenaChart(http, patients), scheduling: new AthenaScheduling(http), documents: new AthenaDocuments(http) };
}
