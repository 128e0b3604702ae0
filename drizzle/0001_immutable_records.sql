-- Messages are immutable (docs/requirements.md#privacy): corrections are new messages. Deletion stays possible for retention.
CREATE OR REPLACE FUNCTION medchat_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% on % is not allowed: the record is append-only', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER messages_no_update BEFORE UPDATE ON messages FOR EACH ROW EXECUTE FUNCTION medchat_refuse_change();
--> statement-breakpoint
-- The audit log is append-only (docs/requirements.md#privacy).
CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION medchat_refuse_change();
