CREATE TABLE "email_notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"clinic_id" uuid NOT NULL,
	"session_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"trigger_seq" integer NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"last_attempt_at" timestamp with time zone,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "email_notifications_dedupe_key_idx" UNIQUE("dedupe_key")
);
--> statement-breakpoint
CREATE TABLE "email_suppressions" (
	"clinic_id" uuid NOT NULL,
	"email_hash" text NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "email_suppressions_clinic_id_email_hash_pk" PRIMARY KEY("clinic_id","email_hash")
);
--> statement-breakpoint
CREATE TABLE "resume_links" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"notification_id" uuid NOT NULL,
	"session_id" uuid NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "session_contacts" (
	"session_id" uuid PRIMARY KEY NOT NULL,
	"clinic_id" uuid NOT NULL,
	"email" text NOT NULL,
	"source" text NOT NULL,
	"consent_text" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "clinics" ADD COLUMN "email_notify" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "clinics" ADD COLUMN "email_consent_text" text DEFAULT 'Email me when the clinic replies. The email says only that there is a new message.' NOT NULL;--> statement-breakpoint
ALTER TABLE "clinics" ADD COLUMN "email_first_delay_minutes" integer DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE "clinics" ADD COLUMN "email_reminder_minutes" integer DEFAULT 60 NOT NULL;--> statement-breakpoint
ALTER TABLE "clinics" ADD COLUMN "email_page_url" text;--> statement-breakpoint
ALTER TABLE "clinics" ADD COLUMN "email_sender_name" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "identity_email" text;--> statement-breakpoint
ALTER TABLE "email_notifications" ADD CONSTRAINT "email_notifications_clinic_id_clinics_id_fk" FOREIGN KEY ("clinic_id") REFERENCES "public"."clinics"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "email_notifications" ADD CONSTRAINT "email_notifications_session_id_chat_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."chat_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "email_suppressions" ADD CONSTRAINT "email_suppressions_clinic_id_clinics_id_fk" FOREIGN KEY ("clinic_id") REFERENCES "public"."clinics"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resume_links" ADD CONSTRAINT "resume_links_notification_id_email_notifications_id_fk" FOREIGN KEY ("notification_id") REFERENCES "public"."email_notifications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resume_links" ADD CONSTRAINT "resume_links_session_id_chat_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."chat_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_contacts" ADD CONSTRAINT "session_contacts_session_id_chat_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."chat_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_contacts" ADD CONSTRAINT "session_contacts_clinic_id_clinics_id_fk" FOREIGN KEY ("clinic_id") REFERENCES "public"."clinics"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "email_notifications_due_idx" ON "email_notifications" USING btree ("next_attempt_at") WHERE "email_notifications"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "email_notifications_clinic_id_created_at_idx" ON "email_notifications" USING btree ("clinic_id","created_at");--> statement-breakpoint
CREATE INDEX "email_notifications_session_id_idx" ON "email_notifications" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "resume_links_session_id_idx" ON "resume_links" USING btree ("session_id");