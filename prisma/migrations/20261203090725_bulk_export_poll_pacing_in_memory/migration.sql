-- AlterTable
ALTER TABLE "BulkExport" DROP COLUMN "earlyPolls",
DROP COLUMN "lastPolledAt";
