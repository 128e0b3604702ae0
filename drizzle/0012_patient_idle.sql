ALTER TYPE "public"."assignment_end_reason" ADD VALUE 'patient_inactive';--> statement-breakpoint
ALTER TYPE "public"."assignment_start_reason" ADD VALUE 'patient_returned';--> statement-breakpoint
ALTER TYPE "public"."session_status" ADD VALUE 'idle' BEFORE 'ended';--> statement-breakpoint
ALTER TABLE "clinics" ADD COLUMN "patient_idle_minutes" integer DEFAULT 30;--> statement-breakpoint
ALTER TABLE "clinics" ADD COLUMN "inactive_close_hours" integer;--> statement-breakpoint
ALTER TABLE "chat_sessions" ADD COLUMN "idle_since" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "chat_sessions_idle_since_idx" ON "chat_sessions" USING btree ("idle_since") WHERE "chat_sessions"."idle_since" is not null;