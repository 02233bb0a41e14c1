-- CreateTable
CREATE TABLE "user_holds" (
    "user_id" TEXT NOT NULL,
    "schedule_id" UUID NOT NULL,
    "held" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "user_holds_pkey" PRIMARY KEY ("user_id","schedule_id")
);

-- (SET search_path FROM CURRENT: the functions find user_holds in this schema whatever the caller's search_path.)
-- The live-hold count of each user on each schedule follows the reservations table itself, whoever writes it:
-- +1 when a HELD reservation appears, -1 when one leaves HELD (confirmed, expired, cancelled) or is deleted.
CREATE FUNCTION "user_holds_follow"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'HELD' THEN
    UPDATE "user_holds" SET "held" = GREATEST("held" - 1, 0)
     WHERE "user_id" = OLD.user_id AND "schedule_id" = OLD.schedule_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'HELD' THEN
    INSERT INTO "user_holds" ("user_id", "schedule_id", "held") VALUES (NEW.user_id, NEW.schedule_id, 1)
    ON CONFLICT ("user_id", "schedule_id") DO UPDATE SET "held" = "user_holds"."held" + 1;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "reservations_user_holds"
AFTER INSERT OR DELETE OR UPDATE OF "status" ON "reservations"
FOR EACH ROW EXECUTE FUNCTION "user_holds_follow"();

-- Holds that exist already.
INSERT INTO "user_holds" ("user_id", "schedule_id", "held")
SELECT "user_id", "schedule_id", count(*) FROM "reservations" WHERE "status" = 'HELD' GROUP BY 1, 2;

-- TRUNCATE fires no row triggers: emptying reservations empties the counts with it.
CREATE FUNCTION "user_holds_clear"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  DELETE FROM "user_holds";
  RETURN NULL;
END $$;

CREATE TRIGGER "reservations_truncate_user_holds"
AFTER TRUNCATE ON "reservations"
FOR EACH STATEMENT EXECUTE FUNCTION "user_holds_clear"();
