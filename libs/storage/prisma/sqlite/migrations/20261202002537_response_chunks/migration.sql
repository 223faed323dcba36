-- AlterTable
ALTER TABLE "turns" ADD COLUMN "response_chunks" TEXT;
