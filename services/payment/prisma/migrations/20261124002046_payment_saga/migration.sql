-- DropIndex
DROP INDEX "payments_reservation_id_idx";

-- AlterTable
ALTER TABLE "payments" ADD COLUMN     "correlation_id" TEXT,
ADD COLUMN     "response_body" JSONB,
ADD COLUMN     "response_status" INTEGER;

-- CreateIndex
CREATE UNIQUE INDEX "payments_reservation_id_key" ON "payments"("reservation_id");
