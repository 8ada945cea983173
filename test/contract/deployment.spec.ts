/**
 * The deployment files against the code they deploy: docker-compose.yml (+ deploy/.env.example,
 * deploy/nginx.conf), the Dockerfile and the Helm chart deploy/helm/switchboard. Runs without
 * Docker or Helm (parses the files); helm-render.helm-spec.ts renders the chart where `helm` is
 * installed (`npm run test:helm`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { buildConfig } from '@sb/config';
import { startTestSandbox, type TestSandbox } from '../../apps/sandbox/src/testing/sandbox-harness';
import { API_PATHS, CHART, CONFIG_VARIABLES, PROCESSES, read, REQUIRED, ROOT, TEST_SECRETS, type Env, type Yaml } from './deployment-facts';

// --- docker compose --------------------------------------------------------------------

/** Compose's variable interpolation: $$, $NAME, ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?err}, ${NAME?err}. */
function interpolate(text: string, vars: Env): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 1;
    } else if (next === '{') {
      let depth = 1;
      let j = i + 2;
      for (; j < text.length && depth > 0; j++) depth += text[j] === '{' ? 1 : text[j] === '}' ? -1 : 0;
      const body = text.slice(i + 2, j - 1);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([\s\S]*))?$/.exec(body);
      if (!m) throw new Error(`bad interpolation \${${body}}`);
      const [, name = '', op, arg = ''] = m;
      const value = vars[name];
      const unset = op?.startsWith(':') ? value === undefined || value === '' : value === undefined;
      if (op?.endsWith('-')) out += unset ? interpolate(arg, vars) : (value ?? '');
      else if (op?.endsWith('?')) {
        if (unset) throw new Error(`compose would refuse to start: ${name} (${arg})`);
        out += value ?? '';
      } else out += value ?? '';
      i = j - 1;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
      if (!m) {
        out += c;
        continue;
      }
      out += vars[m[0]] ?? '';
      i += m[0].length;
    }
  }
  return out;
}

/** `KEY=value` lines of an env file, and `# KEY=…` lines as documented-but-unset. */
function readEnvFile(text: string): { set: Env; documented: Set<string> } {
  const set: Env = {};
  const documented = new Set<string>();
  for (const line of text.split('\n')) {
    const active = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    const commented = /^#\s*([A-Z][A-Z0-9_]*)=/.exec(line);
    if (active?.[1]) {
      set[active[1]] = active[2];
      documented.add(active[1]);
    } else if (commented?.[1]) documented.add(commented[1]);
  }
  return { set, documented };
}

const compose: Yaml = parse(read('docker-compose.yml'), { merge: true });
const services: Record<string, Yaml> = compose.services;
/** Services running the Switchboard image (the ones whose environment libs/config reads). */
const appServices = Object.entries(services).filter(([, s]) => s.build === '.' || s.build?.context === '.');
const envExample = readEnvFile(read('deploy', '.env.example'));

/** A service's environment as its container gets it: interpolated, pass-through entries resolved or dropped. */
function containerEnv(service: Yaml, vars: Env): Env {
  const env: Env = {};
  for (const [key, raw] of Object.entries((service.environment ?? {}) as Record<string, unknown>)) {
    if (raw === null || raw === undefined) {
      if (vars[key] !== undefined) env[key] = vars[key];
    } else env[key] = interpolate(String(raw), vars);
  }
  return env;
}

const replicasOf = (service: Yaml): number => service.deploy?.replicas ?? service.scale ?? 1;
const httpCheck = (test: unknown): URL | undefined => {
  const url = /https?:\/\/[^\s'"`)]+/.exec(JSON.stringify(test ?? ''))?.[0];
  return url === undefined ? undefined : new URL(url);
};

describe('docker-compose.yml', () => {
  const vars: Env = { ...envExample.set, ...TEST_SECRETS };

  it('runs every process npm start runs, from the image the Dockerfile builds', () => {
    for (const app of PROCESSES.apps) {
      expect(services[app]).toBeDefined();
      expect(services[app].build).toBe('.');
      expect(services[app].command).toEqual(['node', PROCESSES.entry(app)]);
      expect(existsSync(join(ROOT, 'apps', app, 'src', 'main.ts'))).toBe(true);
    }
  });

  it('runs api and worker twice and the proxy in front of the api replicas', () => {
    expect(replicasOf(services.api)).toBeGreaterThanOrEqual(2);
    expect(replicasOf(services.worker)).toBeGreaterThanOrEqual(2);
    // Replicas cannot share a fixed host port: only the proxy publishes the api.
    expect(services.api.ports).toBeUndefined();
    const nginx = read('deploy', 'nginx.conf');
    const upstream = /server api:(\d+)/.exec(nginx)?.[1];
    expect(upstream).toBe(containerEnv(services.api, vars).PORT);
    expect(services.proxy.volumes).toContain('./deploy/nginx.conf:/etc/nginx/nginx.conf:ro');
  });

  it('migrates once, and api, worker and mllp wait for it to succeed', () => {
    const migrate = services.migrate;
    expect(migrate.restart).toBe('no');
    expect(migrate.command).toEqual(expect.arrayContaining(['node', ...PROCESSES.migrate]));
    for (const app of ['api', 'worker', 'mllp']) {
      expect(services[app].depends_on.migrate).toEqual({ condition: 'service_completed_successfully' });
    }
    expect(migrate.depends_on.postgres).toEqual({ condition: 'service_healthy' });
  });

  it('sets only variables libs/config reads', () => {
    for (const [name, service] of appServices) {
      const unknown = Object.keys(service.environment ?? {}).filter((k) => !CONFIG_VARIABLES.has(k));
      expect({ service: name, unknown }).toEqual({ service: name, unknown: [] });
    }
  });

  it('provides every variable production requires, and compose refuses to start without the secrets', () => {
    expect(REQUIRED.sort()).toEqual(['SB_ADMIN_TOKEN', 'SB_PUBLIC_URL', 'SB_VAULT_MASTER_KEY']);
    for (const [, service] of appServices) {
      for (const key of REQUIRED) expect(service.environment[key]).toEqual(expect.any(String));
      expect(() => containerEnv(service, { ...vars, SB_ADMIN_TOKEN: '' })).toThrow(/SB_ADMIN_TOKEN/);
      expect(() => containerEnv(service, { ...vars, SB_VAULT_MASTER_KEY: undefined })).toThrow(/SB_VAULT_MASTER_KEY/);
    }
  });

  it('gives every app container a configuration production mode accepts (.env.example + the secrets)', () => {
    for (const [name, service] of appServices) {
      const config = buildConfig(containerEnv(service, vars));
      expect({ name, mode: config.mode, allowPrivateTargets: config.allowPrivateTargets }).toEqual({ name, mode: 'production', allowPrivateTargets: false });
      expect(config.databaseUrl).toBe('postgresql://switchboard:testpassword@postgres:5432/switchboard');
      expect(config.exportStorage).toEqual({ driver: 'local', dir: '/data/exports' });
    }
  });

  it('passes optional settings through from .env', () => {
    const config = buildConfig(containerEnv(services.worker, { ...vars, SB_WORKER_CONCURRENCY: '32', SB_KMS_PROVIDER: 'local' }));
    expect(config.workerConcurrency).toBe(32);
  });

  it('shares one exports volume between api (serves files) and worker (writes them) at SB_EXPORT_DIR', () => {
    for (const app of ['api', 'worker']) {
      expect(services[app].volumes).toContain(`exports:${containerEnv(services[app], vars).SB_EXPORT_DIR}`);
    }
  });

  it('health-checks the routes the api serves, on the port it listens on', () => {
    const env = containerEnv(services.api, vars);
    const api = httpCheck(services.api.healthcheck.test);
    expect(api?.port).toBe(env.PORT);
    expect(API_PATHS).toContain(api?.pathname);
    const proxy = httpCheck(services.proxy.healthcheck.test);
    expect(API_PATHS).toContain(proxy?.pathname);
  });

  it('health-checks the MLLP listener on SB_MLLP_PORT and publishes that port', () => {
    const env = containerEnv(services.mllp, vars);
    const port = /connect\((\d+)/.exec(JSON.stringify(services.mllp.healthcheck.test))?.[1];
    expect(port).toBe(env.SB_MLLP_PORT);
    expect(services.mllp.ports[0]).toMatch(new RegExp(`:${env.SB_MLLP_PORT ?? ''}$`));
  });

  it('lists every config variable in deploy/.env.example, and nothing else but the compose file\'s own', () => {
    expect([...CONFIG_VARIABLES].filter((k) => !envExample.documented.has(k))).toEqual([]);
    const composeText = read('docker-compose.yml');
    const extra = [...envExample.documented].filter((k) => !CONFIG_VARIABLES.has(k));
    for (const k of extra) expect({ k, used: composeText.includes(`\${${k}`) }).toEqual({ k, used: true });
    // No secret is shipped: the required ones are empty placeholders.
    expect(envExample.set.SB_ADMIN_TOKEN).toBe('');
    expect(envExample.set.SB_VAULT_MASTER_KEY).toBe('');
    expect(envExample.set.POSTGRES_PASSWORD).toBe('');
  });

  describe('the sandbox', () => {
    let sandbox: TestSandbox;
    beforeAll(async () => {
      sandbox = await startTestSandbox();
    });
    afterAll(() => sandbox.dispose());

    it('is health-checked on a route it serves, on SB_SANDBOX_PORT', async () => {
      const env = containerEnv(services.sandbox, vars);
      const check = httpCheck(services.sandbox.healthcheck.test);
      expect(check?.port).toBe(env.SB_SANDBOX_PORT);
      expect(env.SB_SANDBOX_URL).toBe(`http://sandbox:${env.SB_SANDBOX_PORT ?? ''}`);
      expect((await fetch(`${sandbox.url}${check?.pathname ?? ''}`)).status).toBe(200);
    });

    it('serves the Helm chart\'s probe paths', async () => {
      const values: Yaml = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        expect((await fetch(`${sandbox.url}${values.sandbox[probe].httpGet.path as string}`)).status).toBe(200);
      }
    });
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('builds with npm ci and npm run build, and runs as an unprivileged user', () => {
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toMatch(/RUN npm run build\b/);
    // npm ci needs the isomorphic-webcrypto override's folder (package.json "overrides").
    expect(dockerfile.indexOf('COPY test/vendor')).toBeLessThan(dockerfile.indexOf('RUN npm ci'));
    expect(JSON.stringify((JSON.parse(read('package.json')) as { overrides: object }).overrides)).toContain('file:./test/vendor/');
    expect(runtime).toMatch(/^USER node$/m);
  });

  it('sets only variables libs/config reads and copies what the processes read at run time', () => {
    const names = [...runtime.matchAll(/^ENV\s+([A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(names.filter((n) => n !== undefined && !CONFIG_VARIABLES.has(n))).toEqual([]);
    for (const path of ['./dist', './node_modules', './prisma', './apps/console/dist']) expect(runtime).toContain(` ${path}`);
  });
});

// --- Helm ------------------------------------------------------------------------------------

const values: Yaml = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
const ciValues: Yaml = parse(readFileSync(join(CHART, 'ci', 'test-values.yaml'), 'utf8'));
const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Yaml;
const templates = Object.fromEntries(readdirSync(join(CHART, 'templates')).map((f) => [f, readFileSync(join(CHART, 'templates', f), 'utf8')]));
const allTemplates = Object.values(templates).join('\n');

/** Helm's value coalescing: maps merge, everything else replaces. */
function coalesce(base: Yaml, override: Yaml): Yaml {
  if (typeof base !== 'object' || base === null || Array.isArray(base) || typeof override !== 'object' || override === null || Array.isArray(override)) return override;
  const out: Yaml = { ...base };
  for (const [k, v] of Object.entries(override as object)) out[k] = k in base ? coalesce(base[k], v) : v;
  return out;
}

/** Variable names the templates set themselves: container `env` entries and the ConfigMap's fixed keys. */
const chartSetVariables = new Set([
  ...[...allTemplates.matchAll(/- name: ([A-Z][A-Z0-9_]+)\s*$/gm)].map((m) => m[1] as string),
  ...[...(templates['_helpers.tpl'] ?? '').matchAll(/^([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1] as string),
]);
const configKeys: string[] = schema.properties.config.propertyNames.enum;
const secretKeys: string[] = schema.properties.secrets.properties.values.propertyNames.enum;
const secretsTheChartRequires = [...(templates['_helpers.tpl'] ?? '').matchAll(/range \$key := list ((?:"[A-Z0-9_]+" ?)+)/g)].flatMap((m) => [...(m[1] ?? '').matchAll(/"([A-Z0-9_]+)"/g)].map((k) => k[1] as string));

describe('Helm chart deploy/helm/switchboard', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);

  it('values.yaml and ci/test-values.yaml satisfy values.schema.json', () => {
    expect({ ok: validate(values), errors: validate.errors ?? [] }).toEqual({ ok: true, errors: [] });
    const merged = coalesce(values, ciValues);
    expect({ ok: validate(merged), errors: validate.errors ?? [] }).toEqual({ ok: true, errors: [] });
  });

  it('values.schema.json refuses variables libs/config does not read, numbers for strings and secrets in the ConfigMap', () => {
    expect(validate(coalesce(values, { config: { SB_NO_SUCH_SETTING: 'x' } }))).toBe(false);
    expect(validate(coalesce(values, { config: { SB_WORKER_CONCURRENCY: 16 } }))).toBe(false);
    expect(validate(coalesce(values, { config: { SB_ADMIN_TOKEN: 'x'.repeat(40) } }))).toBe(false);
    expect(validate(coalesce(values, { secrets: { values: { SB_RENAMED_TOKEN: 'x' } } }))).toBe(false);
    expect(validate(coalesce(values, { api: { livenessProbe: { httpGet: { path: 'health', port: 'http' } } } }))).toBe(false);
  });

  it('names only variables libs/config reads, and every one of them can be set', () => {
    const named = [...configKeys, ...secretKeys, ...chartSetVariables];
    expect(named.filter((k) => !CONFIG_VARIABLES.has(k))).toEqual([]);
    expect([...CONFIG_VARIABLES].filter((k) => !named.includes(k))).toEqual([]);
    // A secret never goes to the ConfigMap.
    expect(configKeys.filter((k) => secretKeys.includes(k))).toEqual([]);
  });

  it('requires every variable production requires', () => {
    for (const key of REQUIRED) {
      const viaConfigMap = key === 'SB_PUBLIC_URL' && /SB_PUBLIC_URL: \{\{ required .* \.Values\.publicUrl/.test(templates['_helpers.tpl'] ?? '');
      expect({ key, provided: viaConfigMap || secretsTheChartRequires.includes(key) }).toEqual({ key, provided: true });
    }
  });

  it('has a Deployment per process npm start runs, with its entry point', () => {
    for (const app of PROCESSES.apps) {
      const template = templates[`${app}-deployment.yaml`] ?? '';
      expect(template).toMatch(/^kind: Deployment$/m);
      expect(template).toContain(`.Values.${app}`);
      expect(values[app].command).toEqual(['node', PROCESSES.entry(app)]);
    }
    expect(values.api.replicas).toBeGreaterThanOrEqual(2);
    expect(values.worker.replicas).toBeGreaterThanOrEqual(2);
    expect(values.sandbox.enabled).toBe(false);
  });

  it('probes the api on routes it serves, by the port name its container declares', () => {
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      expect(API_PATHS).toContain(values.api[probe].httpGet.path);
      expect(values.api[probe].httpGet.port).toBe('http');
    }
    expect(values.api.livenessProbe.httpGet.path).toBe('/health/live');
    expect(values.api.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(templates['api-deployment.yaml']).toMatch(/- name: http\s+containerPort: \{\{ \$proc\.port \}\}/);
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) expect(values.mllp[probe].tcpSocket.port).toBe('mllp');
    expect(templates['mllp-deployment.yaml']).toMatch(/- name: mllp\s+containerPort: \{\{ \$proc\.port \}\}/);
    expect(templates['sandbox-deployment.yaml']).toMatch(/- name: http\s+containerPort: \{\{ \$proc\.port \}\}/);
  });

  it('migrates in a pre-install/pre-upgrade hook Job, with PodDisruptionBudgets and Services', () => {
    const job = templates['migrate-job.yaml'] ?? '';
    expect(job).toMatch(/^kind: Job$/m);
    expect(job).toContain('"helm.sh/hook" "pre-install,pre-upgrade"');
    expect(values.migrate.command).toEqual(expect.arrayContaining(['node', ...PROCESSES.migrate]));
    expect(templates['poddisruptionbudgets.yaml']).toContain('list "api" "worker" "mllp"');
    expect(templates['services.yaml']).toContain('{{ include "switchboard.fullname" . }}-api');
    expect(templates['services.yaml']).toContain('{{ include "switchboard.fullname" . }}-mllp');
    expect(templates['NOTES.txt']).toBeDefined();
  });

  it('gives the processes a configuration production mode accepts (ci/test-values.yaml)', () => {
    const merged = coalesce(values, ciValues);
    const env: Env = {
      NODE_ENV: 'production',
      SB_PUBLIC_URL: merged.publicUrl,
      SB_STATE_DIR: '/data/state',
      SB_EXPORT_DIR: merged.exports.mountPath,
      ...merged.config,
      ...merged.secrets.values,
    };
    const config = buildConfig(env);
    expect(config.mode).toBe('production');
    expect(config.workerConcurrency).toBe(16);
  });
});
