-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "mllpCaSecretName" TEXT,
ADD COLUMN     "mllpClientCertSecretName" TEXT,
ADD COLUMN     "mllpPinnedCertSha256" TEXT;
