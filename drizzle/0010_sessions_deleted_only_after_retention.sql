-- A session (and with it its messages and assignment trail, by cascade) is deleted only by retention: once it has
-- ended, and only after its clinic's retention period has run from its end. A clinic without a retention period
-- keeps every session. Retention (modules/retention) selects with the database's clock, as this check does.
CREATE OR REPLACE FUNCTION medchat_sessions_delete_ended_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  keep_days integer;
BEGIN
  IF OLD.status <> 'ended' THEN
    RAISE EXCEPTION 'DELETE of an open session is not allowed: retention deletes ended sessions only' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT retention_days INTO keep_days FROM clinics WHERE id = OLD.clinic_id;
  IF keep_days IS NULL OR OLD.ended_at IS NULL OR OLD.ended_at >= now() - make_interval(days => keep_days) THEN
    RAISE EXCEPTION 'DELETE of a session inside its clinic''s retention period is not allowed' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN OLD;
END;
$$;
