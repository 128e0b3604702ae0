ALTER TABLE "chat_sessions" ADD COLUMN "first_reply_at" timestamp with time zone;--> statement-breakpoint
-- Sessions from before the column: their first text from anyone but the patient, as the reports used to search for it.
UPDATE "chat_sessions" c SET "first_reply_at" = f.at
  FROM (
    SELECT m.session_id, min(m.created_at) AS at
    FROM "messages" m JOIN "chat_sessions" s ON s.id = m.session_id
    WHERE m.kind = 'text' AND m.sender_id <> s.patient_id
    GROUP BY m.session_id
  ) f
  WHERE c.id = f.session_id;
