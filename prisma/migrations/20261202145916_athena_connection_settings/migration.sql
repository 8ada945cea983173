-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "athenaBaseUrl" TEXT,
ADD COLUMN     "athenaDepartmentIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "athenaPollSeconds" INTEGER,
ADD COLUMN     "athenaReplayMinutes" INTEGER;
