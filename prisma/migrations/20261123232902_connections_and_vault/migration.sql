-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "athenaPracticeId" TEXT,
ADD COLUMN     "authAlg" TEXT,
ADD COLUMN     "clientId" TEXT,
ADD COLUMN     "clientSecretName" TEXT,
ADD COLUMN     "dialect" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "fhirBaseUrl" TEXT,
ADD COLUMN     "hl7SendingApplication" TEXT,
ADD COLUMN     "hl7SendingFacility" TEXT,
ADD COLUMN     "lastErrorAt" TIMESTAMPTZ(3),
ADD COLUMN     "lastErrorCode" TEXT,
ADD COLUMN     "lastSuccessAt" TIMESTAMPTZ(3),
ADD COLUMN     "lastTestedAt" TIMESTAMPTZ(3),
ADD COLUMN     "mllpHost" TEXT,
ADD COLUMN     "mllpPort" INTEGER,
ADD COLUMN     "mllpTls" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "scopes" TEXT[],
ADD COLUMN     "tokenExpiresAt" TIMESTAMPTZ(3),
ADD COLUMN     "tokenUrl" TEXT;

-- CreateTable
CREATE TABLE "SecretVersion" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "ciphertext" BYTEA NOT NULL,
    "nonce" BYTEA NOT NULL,
    "authTag" BYTEA NOT NULL,
    "wrappedKey" BYTEA NOT NULL,
    "kmsProvider" TEXT NOT NULL,
    "kekId" TEXT NOT NULL,
    "kekVersion" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "byteLength" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMPTZ(3),
    "supersededAt" TIMESTAMPTZ(3),

    CONSTRAINT "SecretVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConnectionKey" (
    "kid" TEXT NOT NULL,
    "tenantId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "alg" TEXT NOT NULL,
    "publicJwk" JSONB NOT NULL,
    "secretName" TEXT NOT NULL,
    "status" "SigningKeyStatus" NOT NULL DEFAULT 'active',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retiredAt" TIMESTAMPTZ(3),

    CONSTRAINT "ConnectionKey_pkey" PRIMARY KEY ("kid")
);

-- CreateIndex
CREATE INDEX "SecretVersion_tenantId_connectionId_name_idx" ON "SecretVersion"("tenantId", "connectionId", "name");

-- CreateIndex
CREATE INDEX "SecretVersion_kmsProvider_kekId_kekVersion_idx" ON "SecretVersion"("kmsProvider", "kekId", "kekVersion");

-- CreateIndex
CREATE UNIQUE INDEX "SecretVersion_connectionId_name_version_key" ON "SecretVersion"("connectionId", "name", "version");

-- CreateIndex
CREATE INDEX "ConnectionKey_connectionId_status_idx" ON "ConnectionKey"("connectionId", "status");

-- AddForeignKey
ALTER TABLE "SecretVersion" ADD CONSTRAINT "SecretVersion_connectionId_tenantId_fkey" FOREIGN KEY ("connectionId", "tenantId") REFERENCES "Connection"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConnectionKey" ADD CONSTRAINT "ConnectionKey_connectionId_tenantId_fkey" FOREIGN KEY ("connectionId", "tenantId") REFERENCES "Connection"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;
