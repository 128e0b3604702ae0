ALTER TYPE "public"."assignment_end_reason" ADD VALUE 'unanswered';--> statement-breakpoint
ALTER TYPE "public"."assignment_end_reason" ADD VALUE 'away_timeout';--> statement-breakpoint
ALTER TABLE "assignments" ADD COLUMN "start_seq" integer;--> statement-breakpoint
ALTER TABLE "clinics" ADD COLUMN "first_reply_seconds" integer DEFAULT 120;--> statement-breakpoint
ALTER TABLE "clinics" ADD COLUMN "away_timeout_minutes" integer DEFAULT 30;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "availability_changed_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
-- start_seq joins what an UPDATE of an assignment may never change (0006_audit_reads_assignments_append_only.sql):
-- closing a period, once, stays the only change.
CREATE OR REPLACE FUNCTION medchat_assignments_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL AND NEW.end_reason IS NOT NULL AND OLD.end_reason IS NULL
       AND OLD.leave_note IS NULL AND NEW.id = OLD.id AND NEW.session_id = OLD.session_id
       AND NEW.employee_id = OLD.employee_id AND NEW.started_at = OLD.started_at AND NEW.start_reason = OLD.start_reason
       AND NEW.start_seq IS NOT DISTINCT FROM OLD.start_seq THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'UPDATE on assignments is not allowed: only closing an open assignment, once' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- A DELETE cascading from its session's deletion finds the session gone; any other DELETE finds it there.
  IF EXISTS (SELECT 1 FROM chat_sessions WHERE id = OLD.session_id) THEN
    RAISE EXCEPTION 'DELETE on assignments is not allowed: they go only with their session, by retention' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN OLD;
END;
$$;
