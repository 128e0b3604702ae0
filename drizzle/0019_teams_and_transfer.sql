CREATE TYPE "public"."team_fallback" AS ENUM('wait', 'anyone');--> statement-breakpoint
ALTER TYPE "public"."assignment_end_reason" ADD VALUE 'transferred';--> statement-breakpoint
ALTER TYPE "public"."assignment_start_reason" ADD VALUE 'transferred';--> statement-breakpoint
CREATE TABLE "team_members" (
	"team_id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	CONSTRAINT "team_members_team_id_employee_id_pk" PRIMARY KEY("team_id","employee_id")
);
--> statement-breakpoint
CREATE TABLE "teams" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"clinic_id" uuid NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "clinics" ADD COLUMN "team_fallback" "team_fallback" DEFAULT 'anyone' NOT NULL;--> statement-breakpoint
ALTER TABLE "assignments" ADD COLUMN "transferred_to_employee_id" uuid;--> statement-breakpoint
ALTER TABLE "assignments" ADD COLUMN "transferred_to_team_id" uuid;--> statement-breakpoint
ALTER TABLE "chat_sessions" ADD COLUMN "team_id" uuid;--> statement-breakpoint
ALTER TABLE "chat_sessions" ADD COLUMN "topic" text;--> statement-breakpoint
ALTER TABLE "clinic_intake" ADD COLUMN "topics" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_employee_id_users_id_fk" FOREIGN KEY ("employee_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams" ADD CONSTRAINT "teams_clinic_id_clinics_id_fk" FOREIGN KEY ("clinic_id") REFERENCES "public"."clinics"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "team_members_employee_id_idx" ON "team_members" USING btree ("employee_id");--> statement-breakpoint
CREATE UNIQUE INDEX "teams_clinic_id_name_idx" ON "teams" USING btree ("clinic_id","name");--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_transferred_to_employee_id_users_id_fk" FOREIGN KEY ("transferred_to_employee_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_sessions" ADD CONSTRAINT "chat_sessions_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE set null ON UPDATE no action;