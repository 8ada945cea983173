/**
 * `npm run operator:add -- <email> <name>`: makes an operator user, who signs in to the
 * console at /console, creates tenants and invites their first owners. Prints a generated
 * password once (only its argon2id hash is stored); pass it on over a channel you trust.
 * Exits 1 when the email belongs to someone already or the input is invalid.
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { APP_CONFIG, ConfigModule, type AppConfig } from '@sb/config';
import { SbError } from '@sb/core';
import { DbModule } from '@sb/db';
import { generateOperatorPassword, OperatorUsersService, TenancyModule } from '@sb/tenancy';

@Module({ imports: [ConfigModule, DbModule, TenancyModule] })
class OperatorAddModule {}

const USAGE = 'usage: npm run operator:add -- <email> <name…>';

async function main(argv: string[]): Promise<number> {
  const [email, ...nameParts] = argv;
  const name = nameParts.join(' ').trim();
  if (!email || !name) {
    console.error(USAGE);
    return 2;
  }
  const app = await NestFactory.createApplicationContext(OperatorAddModule, { logger: ['error'] });
  try {
    const password = generateOperatorPassword();
    const user = await app.get(OperatorUsersService).create({ email, name, password });
    const config = app.get<AppConfig>(APP_CONFIG);
    console.log(`operator user ${user.email} created (${user.id})`);
    console.log(`password: ${password}`);
    console.log(`Sign in at ${config.publicUrl}/console. The password is shown only now.`);
    return 0;
  } catch (e) {
    if (!(e instanceof SbError)) throw e;
    const issues = e.issues?.map((i) => `  ${i.path}: ${i.message}`) ?? [];
    console.error([`operator:add: ${e.message}`, ...issues].join('\n'));
    return 1;
  } finally {
    await app.close();
  }
}

const exitWhenFlushed = (code: number): void => {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
};

main(process.argv.slice(2)).then(exitWhenFlushed, (e: unknown) => {
  console.error(`operator:add failed: ${e instanceof Error ? `${e.name}: ${e.message}` : 'error'}`);
  exitWhenFlushed(1);
});
