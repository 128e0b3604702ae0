import type { Translation } from './translation';

const errors: Record<string, string> = {
  connection_error: 'We could not reach the clinic. Check your connection.',
  timeout: 'The clinic did not answer in time. Please try again.',
  rate_limited: 'You are sending messages too quickly. Please wait a moment.',
  message_too_long: 'That message is too long. Please shorten it.',
  session_ended: 'This chat has ended.',
  origin_not_allowed: 'Chat is not available on this site.',
  clinic_not_found: 'This chat is not set up correctly (unknown clinic).',
  invalid_token: 'Your chat session expired. Please start again.',
  invalid_identity_token: 'We could not confirm who you are. Please reload the page.',
  database_unavailable: 'The chat is temporarily unavailable. Please try again soon.',
};

export const en: Translation = {
  locale: 'en',
  openChat: 'Open chat',
  closeChat: 'Close chat',
  minimizeChat: 'Minimize chat',
  unread: (n) => (n === 1 ? '1 unread message' : `${n} unread messages`),
  title: (clinic) => (clinic ? `Chat with ${clinic}` : 'Chat with us'),
  loading: 'Loading…',
  notEmergency: 'This chat is not for emergencies.',
  emergencyFallback: 'In an emergency, call your local emergency number.',

  prechatIntro: 'Tell us who you are and why you are getting in touch. A member of our team will answer.',
  nameLabel: 'Your name',
  reasonLabel: 'Reason for your visit',
  reasonHint: 'Please do not include passwords or card numbers.',
  startChat: 'Start chat',
  starting: 'Starting…',
  nameRequired: 'Please enter your name.',
  nameTooLong: (max) => `Your name can be at most ${max} characters.`,
  reasonRequired: 'Please tell us the reason for your visit.',
  reasonTooLong: (max) => `Please keep the reason under ${max} characters.`,

  yes: 'Yes',
  no: 'No',
  redFlagRequired: 'Please answer yes or no.',
  redFlagTitle: 'This may be an emergency',
  continueAnyway: 'Continue to chat anyway',
  queueTitle: 'You are in the queue',
  queuePosition: (p) => (p === 1 ? 'You are next.' : `You are number ${p} in line.`),
  queueEstimate: (m) => `Estimated wait: about ${m} ${m === 1 ? 'minute' : 'minutes'}.`,
  queueEstimateSoon: 'Estimated wait: less than a minute.',
  queueNoEstimate: 'We cannot say yet how long the wait will be; you keep your place.',
  queueHint: 'You can already write your question below.',

  closedTitle: 'We are closed right now',
  closedNext: (when) => `We open again on ${when}.`,
  closedNoNext: 'Please come back later.',
  leaveMessage: 'Leave a message',
  busyTitle: 'No one is available right now',
  busyText: 'Leave a message below; we will answer when someone is back.',
  leftTitle: 'We have your message',
  answerWhere: (identified) => `To read our answer, ${identified ? 'sign in to our website again' : 'come back to this page in this browser'}.`,

  messagesLabel: 'Messages',
  newMessages: (n) => (n === 1 ? '1 new message' : `${n} new messages`),
  you: 'You',
  typing: (names) => (names.length === 1 ? `${names[0]} is typing…` : `${names.join(', ')} are typing…`),
  composerLabel: 'Message',
  composerPlaceholder: 'Write a message…',
  send: 'Send',
  statusSending: 'Sending…',
  statusSent: 'Sent',
  statusDelivered: 'Delivered',
  statusRead: 'Read',
  statusFailed: 'Not sent.',
  retry: 'Retry',
  system: (event, name) => {
    // Whoever takes the chat, first or after a transfer: one neutral line naming them.
    if (event === 'session.assigned') return `You are now chatting with ${name ?? 'a team member'}.`;
    const who = name ?? 'A team member';
    if (event === 'session.requeued') return `${who} left the chat. You are back in the queue.`;
    if (event === 'session.inactive') return 'Chat closed for inactivity.';
    return 'The chat has ended.';
  },

  endChat: 'End chat',
  endConfirm: 'End this chat? You will not be able to send more messages in it.',
  endConfirmYes: 'Yes, end chat',
  endConfirmNo: 'Keep chatting',
  endedTitle: 'Chat ended',
  endedText: 'Thank you for contacting us. You can save a copy of this conversation.',
  downloadTranscript: 'Download transcript',
  newChat: 'Start a new chat',
  transcriptTitle: (clinic) => `Chat transcript: ${clinic}`,
  transcriptSystemName: 'Notice',
  transcriptFile: (name) => `[Attached file: ${name}]`,

  offline: 'You are offline. Messages you write will be sent when you reconnect.',
  reconnecting: 'Reconnecting…',
  dismiss: 'Dismiss',
  error: (code) => errors[code] ?? 'Something went wrong. Please try again.',
};
