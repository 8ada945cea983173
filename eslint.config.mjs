// @ts-check
// Lint as architecture (see /work/shared/CONVENTIONS.md): typescript-eslint strict,
// promise and exhaustiveness checks, and the import boundaries of the monorepo.
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const ROOT = dirname(fileURLToPath(import.meta.url));

const TS = ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts'];
const TESTS = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'];
/** The console's browser journeys (Playwright): a test harness that hands the stack to workers through the environment. */
const JOURNEYS = ['apps/console/e2e/**'];
/** TypeScript files outside tsconfig.json's program: linted without type information. */
const UNTYPED_TS = ['*.config.ts', '*.config.mts', 'apps/console/**'];

/**
 * Folders under libs/adapters/ that every vendor may import: the contracts, and the
 * generic SMART-on-FHIR adapter that Epic and Oracle specialise rather than copy.
 */
const SHARED_ADAPTER_FOLDERS = new Set(['contracts', 'fhir']);
/** Folders under libs/adapters/ that may know every vendor (the vendor → adapter registry). */
const REGISTRY_ADAPTER_FOLDERS = new Set(['src', 'registry']);

const toPosix = (p) => p.split(sep).join('/');

/**
 * Where an import specifier points inside the repo ("libs/db/src/x", "apps/api/…"),
 * or undefined for a package. Relative paths are resolved against the importing
 * file; `@sb/<lib>[/<sub>]` follows the alias convention `libs/<lib>[/<sub>]`; bare
 * `apps/…`/`libs/…` resolve through tsconfig's baseUrl.
 */
function repoTarget(spec, fileDir) {
  if (spec.startsWith('.')) return toPosix(relative(ROOT, resolve(fileDir, spec)));
  if (spec.startsWith('@sb/')) return `libs/${spec.slice(4)}`;
  if (/^(apps|libs|prisma|scripts|test)\//.test(spec)) return spec;
  return undefined;
}

/** The import-boundary checks, one rule so the options never shadow one another. */
const importBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the monorepo import boundaries' },
    schema: [],
    messages: {
      prisma:
        "'{{spec}}' is data access: only libs/db may import Prisma, pg or the generated client. Use a repository from @sb/db.",
      libImportsApp: "'{{spec}}' reaches into apps/: a library must never depend on an app.",
      vendorImportsVendor:
        "'{{spec}}' belongs to adapter '{{other}}': vendor folders never import one another (only the registry knows every vendor; shared types go in libs/adapters/contracts).",
      vendorImportsRegistry:
        "'{{spec}}' is the adapter registry/barrel, which imports every vendor: import @sb/adapters/contracts instead.",
    },
  },
  create(context) {
    const file = toPosix(relative(ROOT, context.filename));
    const fileDir = dirname(context.filename);
    const inDb = file.startsWith('libs/db/');
    // The HL7 benchmark's bare baseline (a third-party listener writing straight to Postgres) is outside the architecture on purpose.
    const isBenchBaseline = file === 'test/bench/hl7-baseline-server.ts';
    const inTelemetry = file.startsWith('libs/telemetry/');
    const inLibs = file.startsWith('libs/');
    const vendor = /^libs\/adapters\/([^/]+)\//.exec(file)?.[1];
    const checkedVendor = vendor !== undefined && !REGISTRY_ADAPTER_FOLDERS.has(vendor);

    /** @param {import('estree').Node | null | undefined} node */
    function check(node) {
      if (!node || node.type !== 'Literal' || typeof node.value !== 'string') return;
      const spec = node.value;
      const target = repoTarget(spec, fileDir);
      if (
        !inDb &&
        !isBenchBaseline &&
        !(inTelemetry && spec === '@prisma/instrumentation') && // spans for queries, not data access
        (/^@prisma\//.test(spec) ||
          /^pg(\/|$)/.test(spec) ||
          /(^|\/)generated\/prisma(\/|$)/.test(spec) ||
          (target !== undefined && /(^|\/)generated\/prisma(\/|$)/.test(target)))
      ) {
        context.report({ node, messageId: 'prisma', data: { spec } });
      }
      if (inLibs && target !== undefined && /^apps(\/|$)/.test(target)) {
        context.report({ node, messageId: 'libImportsApp', data: { spec } });
      }
      if (checkedVendor && target !== undefined) {
        const other = /^libs\/adapters(?:\/([^/]+))?(?:\/|$)/.exec(target);
        if (other) {
          const folder = other[1];
          if (folder === undefined || REGISTRY_ADAPTER_FOLDERS.has(folder)) {
            context.report({ node, messageId: 'vendorImportsRegistry', data: { spec } });
          } else if (folder !== vendor && !SHARED_ADAPTER_FOLDERS.has(folder)) {
            context.report({ node, messageId: 'vendorImportsVendor', data: { spec, other: folder } });
          }
        }
      }
    }

    return {
      ImportDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      CallExpression: (node) => {
        const callee = node.callee;
        const isRequire = callee.type === 'Identifier' && callee.name === 'require';
        const isJestMock =
          callee.type === 'MemberExpression' &&
          callee.object.type === 'Identifier' &&
          callee.object.name === 'jest' &&
          callee.property.type === 'Identifier' &&
          ['mock', 'doMock', 'requireActual'].includes(callee.property.name);
        if (isRequire || isJestMock) check(/** @type {any} */ (node.arguments[0]));
      },
      // import x = require('...')
      TSExternalModuleReference: (node) => check(node.expression),
      // type T = import('...').X
      TSImportType: (node) => check(node.argument?.type === 'TSLiteralType' ? node.argument.literal : node.argument),
    };
  },
};

const processEnvMessage =
  'process.env is read only in libs/config: take values from AppConfig (loadConfig() / APP_CONFIG); child processes get processEnv().';

export default defineConfig(
  globalIgnores([
    'dist/',
    '**/node_modules/',
    'libs/db/src/generated/',
    'apps/console/dist/',
    'apps/console/src/api/gql/',
    'coverage/',
    '.sb/',
  ]),

  { linterOptions: { reportUnusedDisableDirectives: 'error' } },

  js.configs.recommended,
  tseslint.configs.strict,

  // Type-aware rules, only where tsconfig.json already builds a program (cheap).
  {
    files: TS,
    ignores: UNTYPED_TS,
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: ROOT },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // A `default:` is an explicit decision; a switch without one must name every member.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },

  {
    files: TS,
    rules: {
      // NestJS modules are empty decorated classes.
      '@typescript-eslint/no-extraneous-class': ['error', { allowWithDecorator: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },

  // Plain JavaScript (jest.config.js, jest global setup): Node globals, CommonJS.
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: {
      ecmaVersion: 2023,
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', exports: 'writable', __dirname: 'readonly', __filename: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },

  // Import boundaries.
  {
    plugins: { sb: { rules: { 'import-boundaries': importBoundaries } } },
    rules: { 'sb/import-boundaries': 'error' },
  },

  // process.env only in libs/config (and tooling/test files that set up environments).
  {
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: processEnvMessage },
        { selector: "MemberExpression[object.name='process'][property.value='env']", message: processEnvMessage },
        { selector: "MemberExpression[object.property.name='process'][property.name='env']", message: processEnvMessage },
        { selector: "VariableDeclarator[init.name='process'] > ObjectPattern > Property[key.name='env']", message: processEnvMessage },
        { selector: "ImportDeclaration[source.value=/^(node:)?process$/] > ImportSpecifier[imported.name='env']", message: processEnvMessage },
      ],
    },
  },
  {
    files: ['libs/config/**', '**/*.config.*', 'libs/testing/src/jest/**', ...TESTS, ...JOURNEYS],
    rules: { 'no-restricted-syntax': 'off' },
  },

  // Tests: fixtures and mocks are allowed to be blunt; promise checks stay on.
  {
    files: [...TESTS, ...JOURNEYS, 'test/**', 'libs/testing/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-dynamic-delete': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },

  // TypeScript outside tsconfig's program (root *.config.ts, the console SPA).
  { files: UNTYPED_TS, ...tseslint.configs.disableTypeChecked },
);
