ALTER TABLE "audit_log" ADD COLUMN "session_ids" uuid[];--> statement-breakpoint
CREATE INDEX "audit_log_session_ids_idx" ON "audit_log" USING gin ("session_ids");--> statement-breakpoint
-- Assignments are the custody record (who held a session, when, why it ended), append-only like messages and the
-- audit log (0001_immutable_records.sql). An UPDATE may only close an open period, once: set ended_at and
-- end_reason (with the handover note); nothing else of a row ever changes. A row is deleted only with its session.
CREATE OR REPLACE FUNCTION medchat_assignments_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL AND NEW.end_reason IS NOT NULL AND OLD.end_reason IS NULL
       AND OLD.leave_note IS NULL AND NEW.id = OLD.id AND NEW.session_id = OLD.session_id
       AND NEW.employee_id = OLD.employee_id AND NEW.started_at = OLD.started_at AND NEW.start_reason = OLD.start_reason THEN
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
--> statement-breakpoint
CREATE TRIGGER assignments_append_only BEFORE UPDATE OR DELETE ON assignments FOR EACH ROW EXECUTE FUNCTION medchat_assignments_append_only();
--> statement-breakpoint
-- Only ended sessions are deleted (retention, modules/retention): deleting an open one would take its trail with it.
CREATE OR REPLACE FUNCTION medchat_sessions_delete_ended_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> 'ended' THEN
    RAISE EXCEPTION 'DELETE of an open session is not allowed: retention deletes ended sessions only' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN OLD;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER chat_sessions_delete_ended_only BEFORE DELETE ON chat_sessions FOR EACH ROW EXECUTE FUNCTION medchat_sessions_delete_ended_only();
