-- A payment keeps how it ended (response_body: the receipt, or the failure's code and message); the
-- HTTP status is derived from the outcome where the answer is written, so it is no longer stored.
ALTER TABLE "payments" DROP COLUMN "response_status";
