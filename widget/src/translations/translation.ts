import type { SystemEvent } from '@medchat/sdk/patient';

/**
 * Every string the widget shows. Each locale file is typed with it, so a missing or misspelt key fails the
 * typecheck (and so the build). Parameterised strings are functions, so the grammar stays in the translation.
 */
export interface Translation {
  /** BCP 47 tag used for dates and times. */
  locale: string;
  openChat: string;
  /** The launcher while the panel is open. */
  closeChat: string;
  /** The × in the panel's header (the chat goes on; the panel folds away). */
  minimizeChat: string;
  unread: (count: number) => string;
  title: (clinic: string) => string;
  loading: string;
  notEmergency: string;
  emergencyFallback: string;

  prechatIntro: string;
  nameLabel: string;
  reasonLabel: string;
  reasonHint: string;
  startChat: string;
  starting: string;
  nameRequired: string;
  nameTooLong: (max: number) => string;
  reasonRequired: string;
  reasonTooLong: (max: number) => string;
  /** The clinic's red-flag questions are answered yes or no. */
  yes: string;
  no: string;
  redFlagRequired: string;
  /** Heading of the clinic's emergency instructions, shown at once after a yes. */
  redFlagTitle: string;
  /** The start button once a red flag is answered yes: the chat starts, as urgent. */
  continueAnyway: string;
  /** The clinic's topics, when it offers some: the label of the choice, and its first option (no topic: anyone answers). */
  topicLabel: string;
  topicAny: string;
  /** Reply emails, when the clinic sends them: the consent box's label is the clinic's own text. */
  emailLabel: string;
  emailInvalid: string;
  /** An identified patient's box: the address their identity token named. */
  emailTo: (address: string) => string;
  /** The page was opened from an email's link that is spent: why (`link_used` or `link_expired`), and what to do. */
  linkSpent: (why: string) => string;
  linkNewChat: string;

  queueTitle: string;
  queuePosition: (position: number) => string;
  queueEstimate: (minutes: number) => string;
  queueEstimateSoon: string;
  /** Instead of an estimate the clinic's measured waits cannot back. */
  queueNoEstimate: string;
  queueHint: string;

  /** The after-hours notice (the clinic's own text goes between the title and the next opening). */
  closedTitle: string;
  /** `when`: the next opening, formatted in `locale`. */
  closedNext: (when: string) => string;
  /** No opening in sight. */
  closedNoNext: string;
  /** The button of the after-hours notice that opens the form: the chat it starts waits for the clinic to open. */
  leaveMessage: string;
  /** Open, but no member of staff available: said above the form (with the clinic's after-hours text). */
  busyTitle: string;
  busyText: string;
  /** Instead of "You are in the queue" for a chat left while the clinic was closed, or while nobody is available. */
  leftTitle: string;
  /**
   * Under `leftTitle`, instead of a place in the queue and a wait: how the patient will read the answer (come back to
   * this page in this browser, or, `identified` by the clinic's site, sign in there again).
   */
  answerWhere: (identified: boolean) => string;

  messagesLabel: string;
  /** The button that scrolls down to messages that arrived while the reader was scrolled up. */
  newMessages: (count: number) => string;
  you: string;
  typing: (names: readonly string[]) => string;
  composerLabel: string;
  composerPlaceholder: string;
  send: string;
  statusSending: string;
  statusSent: string;
  statusDelivered: string;
  statusRead: string;
  statusFailed: string;
  retry: string;
  system: (event: SystemEvent, employeeName: string | null) => string;

  endChat: string;
  endConfirm: string;
  endConfirmYes: string;
  endConfirmNo: string;
  endedTitle: string;
  endedText: string;
  downloadTranscript: string;
  newChat: string;
  transcriptTitle: (clinic: string) => string;
  transcriptSystemName: string;
  /** A file a message carried, on its own line of the transcript. */
  transcriptFile: (name: string) => string;

  offline: string;
  reconnecting: string;
  dismiss: string;
  /** Text for an error code from the protocol's table (or any newer code: fall back to a generic text). */
  error: (code: string) => string;
}
