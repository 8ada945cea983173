-- AlterTable
ALTER TABLE "Tenant" ADD COLUMN     "bulkSignedUrls" BOOLEAN NOT NULL DEFAULT false;
