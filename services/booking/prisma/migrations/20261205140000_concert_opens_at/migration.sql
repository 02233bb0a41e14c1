-- A concert's on-sale time: before it the gateway keeps the concert's line as a pre-queue and draws
-- everyone's place at random at the opening. NULL: on sale, no pre-queue.
ALTER TABLE "concerts" ADD COLUMN "opens_at" TIMESTAMPTZ(3);
