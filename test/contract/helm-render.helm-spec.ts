/**
 * The Helm chart rendered by `helm template` (deploy/helm/switchboard): every process, hook and
 * policy, with variables libs/config reads. Needs `helm` on PATH, so it is not part of `npm test`
 * (CI has no helm); run it with `npm run test:helm`. test/contract/deployment.spec.ts checks the
 * chart's files without helm on every run.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { buildConfig } from '@sb/config';
import { API_PATHS, CHART, CONFIG_VARIABLES, PROCESSES, type Env, type Yaml } from './deployment-facts';

describe('the Helm chart rendered with helm template', () => {
  const render = (args: string[]): Yaml[] =>
    parseAllDocuments(execFileSync('helm', ['template', 'sb', CHART, ...args], { encoding: 'utf8' }))
      .map((d) => d.toJS() as Yaml)
      .filter((d) => d !== null);

  it('renders every process, hook and policy with variables libs/config reads', () => {
    const docs = render(['--values', join(CHART, 'ci', 'test-values.yaml')]);
    const kinds = docs.map((d) => `${d.kind as string}/${d.metadata.name as string}`);
    for (const app of PROCESSES.apps) expect(kinds).toContain(`Deployment/sb-switchboard-${app}`);
    expect(kinds).toEqual(expect.arrayContaining(['Job/sb-switchboard-migrate', 'Service/sb-switchboard-api', 'Service/sb-switchboard-mllp', 'PodDisruptionBudget/sb-switchboard-api']));
    const configMap = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'sb-switchboard');
    const secret = docs.find((d) => d.kind === 'Secret' && d.metadata.name === 'sb-switchboard');
    const base: Env = { ...configMap.data };
    for (const [k, v] of Object.entries(secret.data as Record<string, string>)) base[k] = Buffer.from(v, 'base64').toString('utf8');
    for (const doc of docs.filter((d) => d.kind === 'Deployment' || d.kind === 'Job')) {
      for (const container of doc.spec.template.spec.containers) {
        const env: Env = { ...base };
        for (const e of container.env ?? []) env[e.name] = e.value;
        expect(Object.keys(env).filter((k) => !CONFIG_VARIABLES.has(k))).toEqual([]);
        expect(buildConfig(env).mode).toBe('production');
        for (const probe of ['livenessProbe', 'readinessProbe']) {
          const path = container[probe]?.httpGet?.path as string | undefined;
          if (doc.metadata.name === 'sb-switchboard-api' && path !== undefined) expect(API_PATHS).toContain(path);
        }
      }
    }
  });

  it('refuses to render without publicUrl and the required secrets', () => {
    expect(() => execFileSync('helm', ['template', 'sb', CHART], { stdio: 'pipe' })).toThrow(/publicUrl is required/);
    expect(() => execFileSync('helm', ['template', 'sb', CHART, '--set', 'publicUrl=https://x.test', '--set', 'exports.existingClaim=x'], { stdio: 'pipe' })).toThrow(
      /secrets\.values\.SB_ADMIN_TOKEN is required/,
    );
  });
});
