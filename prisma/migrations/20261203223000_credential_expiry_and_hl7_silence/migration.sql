-- AlterTable
ALTER TABLE "SecretVersion" ADD COLUMN     "expiresAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "hl7Silence" JSONB;

-- CreateTable
CREATE TABLE "MllpPeerCertificate" (
    "connectionId" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "direction" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "notAfter" TIMESTAMPTZ(3) NOT NULL,
    "seenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MllpPeerCertificate_pkey" PRIMARY KEY ("connectionId","direction")
);

-- AddForeignKey
ALTER TABLE "MllpPeerCertificate" ADD CONSTRAINT "MllpPeerCertificate_connectionId_tenantId_fkey" FOREIGN KEY ("connectionId", "tenantId") REFERENCES "Connection"("id", "tenantId") ON DELETE CASCADE ON UPDATE CASCADE;
