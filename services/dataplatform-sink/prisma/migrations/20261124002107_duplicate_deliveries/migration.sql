-- AlterTable
ALTER TABLE "stored_events" ADD COLUMN     "duplicate_deliveries" INTEGER NOT NULL DEFAULT 0;
