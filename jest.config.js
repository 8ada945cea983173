// One runner for every tier: unit (*.spec.ts), integration (*.int-spec.ts, real
// Postgres and Redis) and e2e (test/e2e/*.e2e-spec.ts, the booted apps).
const { compilerOptions } = require('./tsconfig.json');
const swcrc = JSON.parse(require('node:fs').readFileSync(`${__dirname}/.swcrc`, 'utf8'));
// Jest's CommonJS runtime needs import() turned into require().
const swcForJest = { ...swcrc, swcrc: false, module: { type: 'commonjs' } };

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
);

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{apps,libs,test,scripts,prisma}/**/*.{spec,int-spec,e2e-spec}.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // jose ships ESM only; Node 20 can require() it, Jest's module system cannot, so it is compiled too.
  transform: { '^.+\\.ts$': ['@swc/jest', swcForJest], '/node_modules/.+\\.m?js$': ['@swc/jest', swcForJest] },
  transformIgnorePatterns: ['/node_modules/(?!(jose|@nestjs|file-type|uid|load-esm)/)'],
  moduleNameMapper,
  globalSetup: '<rootDir>/libs/testing/src/jest/global-setup.js',
  globalTeardown: '<rootDir>/libs/testing/src/jest/global-teardown.js',
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/libs/testing/src/jest/summary-reporter.js'],
};
