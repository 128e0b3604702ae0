/**
 * A clinic's intake: the questions the widget's pre-chat form asks before a chat starts. Today these are the
 * clinic's red-flag questions ("chest pain or trouble breathing?"), each answered yes or no; a yes shows the
 * clinic's emergency instructions at once, and a chat started anyway is `urgent`. The server decides the
 * priority from the answers, never from the client. A clinic may also offer topics ("Prescriptions", "Billing"),
 * each routed to one of its teams: the session goes to that team's members (server/src/modules/assignments/teams.ts).
 * Further kinds of question join `ClinicIntake` and `IntakeAnswers` as fields of their own.
 */
import { Type, type Static } from '@sinclair/typebox';

export const INTAKE_LIMITS = {
  /** Red-flag questions a clinic may ask. */
  redFlags: 10,
  /** One question, in the clinic's own words. */
  question: 300,
  emergencyInstructions: 2000,
  /** Why a member of staff changed a session's priority. */
  priorityReason: 500,
  /** Topics a clinic may offer, and one topic's label. */
  topics: 20,
  topicLabel: 80,
} as const;

/** Where a session stands in its clinic's queue: urgent sessions are served before routine ones, then oldest first. */
export const SessionPriority = Type.Union([Type.Literal('routine'), Type.Literal('urgent')]);
export type SessionPriority = Static<typeof SessionPriority>;

const Id = Type.String({ format: 'uuid' });

/** One yes/no question; a yes makes the chat urgent. */
export const RedFlagQuestion = Type.Object({ id: Id, text: Type.String() });
export type RedFlagQuestion = Static<typeof RedFlagQuestion>;

/** A topic the patient may pick; its chats go to the members of team `teamId`. */
export const IntakeTopic = Type.Object({ id: Id, label: Type.String(), teamId: Id });
export type IntakeTopic = Static<typeof IntakeTopic>;

/** The clinic's intake as the widget and the admin read it. */
export const ClinicIntake = Type.Object({
  /** Asked in this order; empty: the form asks none and every chat starts routine. */
  redFlags: Type.Array(RedFlagQuestion, { maxItems: INTAKE_LIMITS.redFlags }),
  /**
   * What a patient reads at once after a yes, before anything else. In the public lookup, the clinic's
   * `emergencyText` when the admin left this empty.
   */
  emergencyInstructions: Type.String(),
  /** What the chat is about, in this order; empty: the form asks nothing and chats go to anyone. Always sent by this server. */
  topics: Type.Optional(Type.Array(IntakeTopic, { maxItems: INTAKE_LIMITS.topics })),
});
export type ClinicIntake = Static<typeof ClinicIntake>;

/** `PUT /api/v1/clinic/intake`: the whole intake. A question keeps its `id` (and so its answers' meaning) when sent with it; one without gets a new id. */
export const ClinicIntakeParams = Type.Object({
  redFlags: Type.Array(
    Type.Object({
      id: Type.Optional(Id),
      text: Type.String({ minLength: 1, maxLength: INTAKE_LIMITS.question }),
    }),
    { maxItems: INTAKE_LIMITS.redFlags },
  ),
  /** Empty: the clinic's `emergencyText` is shown instead. */
  emergencyInstructions: Type.String({ maxLength: INTAKE_LIMITS.emergencyInstructions }),
  /** Omitted: the topics stay as they are. A topic keeps its `id` when sent with it; `teamId` names one of the clinic's teams. */
  topics: Type.Optional(
    Type.Array(Type.Object({ id: Type.Optional(Id), label: Type.String({ minLength: 1, maxLength: INTAKE_LIMITS.topicLabel }), teamId: Id }), {
      maxItems: INTAKE_LIMITS.topics,
    }),
  ),
});
export type ClinicIntakeParams = Static<typeof ClinicIntakeParams>;

/**
 * The patient's answers, in `POST /api/v1/sessions`. When given, every red-flag question of the clinic is
 * answered exactly once (a question the clinic no longer asks, or one left out, is a 400 and starts nothing).
 */
export const IntakeAnswers = Type.Object({
  redFlags: Type.Array(Type.Object({ id: Id, answer: Type.Boolean() }), { maxItems: INTAKE_LIMITS.redFlags }),
  /** The id of the topic chosen, one of the clinic's (else a 400); omitted: no team, anyone takes the chat. */
  topic: Type.Optional(Id),
});
export type IntakeAnswers = Static<typeof IntakeAnswers>;

/** `POST /api/v1/sessions/:id/priority`: staff raise or lower a session's priority, saying why. */
export const SessionPriorityParams = Type.Object({
  priority: SessionPriority,
  reason: Type.String({ minLength: 1, maxLength: INTAKE_LIMITS.priorityReason }),
});
export type SessionPriorityParams = Static<typeof SessionPriorityParams>;
