-- CreateEnum
CREATE TYPE "TokenStatus" AS ENUM ('WAITING', 'ACTIVE', 'EXPIRED');

-- CreateTable
CREATE TABLE "queue_tokens" (
    "token" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "status" "TokenStatus" NOT NULL,
    "issued_at" TIMESTAMPTZ(3) NOT NULL,
    "activated_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "queue_tokens_pkey" PRIMARY KEY ("token")
);

-- CreateIndex
CREATE INDEX "queue_tokens_user_id_idx" ON "queue_tokens"("user_id");

-- CreateIndex
CREATE INDEX "queue_tokens_status_expires_at_idx" ON "queue_tokens"("status", "expires_at");
