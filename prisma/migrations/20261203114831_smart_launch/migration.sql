-- CreateEnum
CREATE TYPE "SmartLaunchKind" AS ENUM ('ehr', 'standalone');

-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "smartClientId" TEXT,
ADD COLUMN     "smartClientSecretName" TEXT;

-- CreateTable
CREATE TABLE "SmartApp" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "confidential" BOOLEAN NOT NULL DEFAULT false,
    "secretHash" TEXT,
    "jwksUrl" TEXT,
    "launchUrl" TEXT NOT NULL,
    "redirectUris" TEXT[],
    "scopes" TEXT[],
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SmartApp_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SmartLaunch" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "appId" UUID NOT NULL,
    "kind" "SmartLaunchKind" NOT NULL,
    "upstreamStateHash" TEXT NOT NULL,
    "upstreamVerifier" JSONB NOT NULL,
    "upstreamStateUsedAt" TIMESTAMPTZ(3),
    "appRequest" JSONB,
    "patientId" TEXT,
    "encounterId" TEXT,
    "fhirUser" TEXT,
    "needPatientBanner" BOOLEAN NOT NULL DEFAULT true,
    "upstreamTokens" JSONB,
    "upstreamExpiresAt" TIMESTAMPTZ(3),
    "launchHash" TEXT,
    "launchExpiresAt" TIMESTAMPTZ(3),
    "launchUsedAt" TIMESTAMPTZ(3),
    "codeHash" TEXT,
    "codeExpiresAt" TIMESTAMPTZ(3),
    "codeUsedAt" TIMESTAMPTZ(3),
    "codeRequest" JSONB,
    "grantedScopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "refreshTokenHash" TEXT,
    "refreshExpiresAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SmartLaunch_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SmartApp_clientId_key" ON "SmartApp"("clientId");

-- CreateIndex
CREATE INDEX "SmartApp_tenantId_idx" ON "SmartApp"("tenantId");

-- CreateIndex
CREATE UNIQUE INDEX "SmartApp_id_tenantId_key" ON "SmartApp"("id", "tenantId");

-- CreateIndex
CREATE UNIQUE INDEX "SmartLaunch_upstreamStateHash_key" ON "SmartLaunch"("upstreamStateHash");

-- CreateIndex
CREATE UNIQUE INDEX "SmartLaunch_launchHash_key" ON "SmartLaunch"("launchHash");

-- CreateIndex
CREATE UNIQUE INDEX "SmartLaunch_codeHash_key" ON "SmartLaunch"("codeHash");

-- CreateIndex
CREATE UNIQUE INDEX "SmartLaunch_refreshTokenHash_key" ON "SmartLaunch"("refreshTokenHash");

-- CreateIndex
CREATE INDEX "SmartLaunch_tenantId_createdAt_idx" ON "SmartLaunch"("tenantId", "createdAt");

-- CreateIndex
CREATE INDEX "SmartLaunch_appId_idx" ON "SmartLaunch"("appId");

-- AddForeignKey
ALTER TABLE "SmartApp" ADD CONSTRAINT "SmartApp_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SmartLaunch" ADD CONSTRAINT "SmartLaunch_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SmartLaunch" ADD CONSTRAINT "SmartLaunch_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SmartLaunch" ADD CONSTRAINT "SmartLaunch_appId_fkey" FOREIGN KEY ("appId") REFERENCES "SmartApp"("id") ON DELETE CASCADE ON UPDATE CASCADE;
