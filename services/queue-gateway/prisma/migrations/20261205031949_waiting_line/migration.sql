-- The fallback's waiting line (status polls while Redis is down) reads the waiting rows by issue time,
-- and the pruning of old rows finds expired ones by their last change: both from small partial indexes.
CREATE INDEX "queue_tokens_waiting_issued_at_idx" ON "queue_tokens" ("issued_at") WHERE "status" = 'WAITING';
CREATE INDEX "queue_tokens_expired_updated_at_idx" ON "queue_tokens" ("updated_at") WHERE "status" = 'EXPIRED';
