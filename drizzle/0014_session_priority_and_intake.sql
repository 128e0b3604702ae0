CREATE TYPE "public"."session_priority" AS ENUM('urgent', 'routine');--> statement-breakpoint
CREATE TABLE "priority_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" uuid NOT NULL,
	"changed_by" uuid NOT NULL,
	"from_priority" "session_priority" NOT NULL,
	"to_priority" "session_priority" NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "clinic_intake" (
	"clinic_id" uuid PRIMARY KEY NOT NULL,
	"red_flags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"emergency_instructions" text DEFAULT '' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "chat_sessions_clinic_id_status_created_at_idx";--> statement-breakpoint
ALTER TABLE "chat_sessions" ADD COLUMN "priority" "session_priority" DEFAULT 'routine' NOT NULL;--> statement-breakpoint
ALTER TABLE "chat_sessions" ADD COLUMN "intake_answers" jsonb;--> statement-breakpoint
ALTER TABLE "priority_changes" ADD CONSTRAINT "priority_changes_session_id_chat_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."chat_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "priority_changes" ADD CONSTRAINT "priority_changes_changed_by_users_id_fk" FOREIGN KEY ("changed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clinic_intake" ADD CONSTRAINT "clinic_intake_clinic_id_clinics_id_fk" FOREIGN KEY ("clinic_id") REFERENCES "public"."clinics"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "priority_changes_session_id_created_at_idx" ON "priority_changes" USING btree ("session_id","created_at");--> statement-breakpoint
CREATE INDEX "chat_sessions_clinic_id_status_priority_created_at_idx" ON "chat_sessions" USING btree ("clinic_id","status","priority","created_at");--> statement-breakpoint
-- Priority changes are a trail like the assignments (0006): no row ever changes, and a row is deleted only with its
-- session (retention, which deletes ended sessions only).
CREATE OR REPLACE FUNCTION medchat_priority_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'UPDATE on priority_changes is not allowed: the trail is append-only' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF EXISTS (SELECT 1 FROM chat_sessions WHERE id = OLD.session_id) THEN
    RAISE EXCEPTION 'DELETE on priority_changes is not allowed: they go only with their session, by retention' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN OLD;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER priority_changes_append_only BEFORE UPDATE OR DELETE ON priority_changes FOR EACH ROW EXECUTE FUNCTION medchat_priority_changes_append_only();
