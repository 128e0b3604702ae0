CREATE TABLE "clinic_hours" (
	"clinic_id" uuid PRIMARY KEY NOT NULL,
	"has_schedule" boolean DEFAULT false NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"weekly" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"closures" date[] DEFAULT '{}'::date[] NOT NULL,
	"after_hours_text" text DEFAULT '' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "clinic_hours" ADD CONSTRAINT "clinic_hours_clinic_id_clinics_id_fk" FOREIGN KEY ("clinic_id") REFERENCES "public"."clinics"("id") ON DELETE cascade ON UPDATE no action;