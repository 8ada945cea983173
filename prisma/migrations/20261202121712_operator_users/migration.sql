-- AlterTable
ALTER TABLE "ConsoleSession" ADD COLUMN     "operatorUserId" UUID,
ALTER COLUMN "tenantId" DROP NOT NULL,
ALTER COLUMN "userId" DROP NOT NULL;

-- CreateTable
CREATE TABLE "OperatorUser" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "lastLoginAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OperatorUser_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "OperatorUser_email_key" ON "OperatorUser"("email");

-- CreateIndex
CREATE INDEX "ConsoleSession_operatorUserId_idx" ON "ConsoleSession"("operatorUserId");

-- AddForeignKey
ALTER TABLE "ConsoleSession" ADD CONSTRAINT "ConsoleSession_operatorUserId_fkey" FOREIGN KEY ("operatorUserId") REFERENCES "OperatorUser"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Written by hand (Prisma cannot express it): a session belongs to exactly one kind of
-- person, a tenant's user (tenant and user set) or an operator user.
ALTER TABLE "ConsoleSession" ADD CONSTRAINT "ConsoleSession_one_principal" CHECK (
  ("tenantId" IS NOT NULL AND "userId" IS NOT NULL AND "operatorUserId" IS NULL)
  OR ("tenantId" IS NULL AND "userId" IS NULL AND "operatorUserId" IS NOT NULL)
);
