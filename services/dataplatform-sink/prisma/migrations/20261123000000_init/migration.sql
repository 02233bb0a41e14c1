-- CreateTable
CREATE TABLE "stored_events" (
    "event_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "payment_id" UUID NOT NULL,
    "reservation_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "payload" JSONB NOT NULL,
    "topic" TEXT NOT NULL,
    "partition" INTEGER NOT NULL,
    "offset" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stored_events_pkey" PRIMARY KEY ("event_id")
);

-- CreateIndex
CREATE INDEX "stored_events_payment_id_idx" ON "stored_events"("payment_id");

-- CreateIndex
CREATE INDEX "stored_events_received_at_idx" ON "stored_events"("received_at");
