import { Prisma } from './generated/prisma/client';

/** True when a write failed on a unique constraint (Prisma P2002). */
export const isUniqueViolation = (e: unknown): boolean =>
  e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002';
