/** Handling errors: one error type, a stable `code`, and `retryable` (the SDK already retried what it safely could). */
import { ERRORS, type KnownErrorCode } from '@medchat/sdk/protocol';
import { MedChat, isMedChatError } from '@medchat/sdk';

/** Returns the text to show for any failure of a call. */
export async function describeFailure(run: () => Promise<unknown>): Promise<string | null> {
  try {
    await run();
    return null;
  } catch (error) {
    if (!isMedChatError(error)) throw error; // a bug in our own code, not a MedChat failure
    switch (error.code) {
      case 'session_ended':
        return 'This chat has ended.';
      case 'connection_error':
      case 'timeout':
        return 'You seem to be offline. We will keep trying.';
      default:
        // English defaults for every known code; newer codes fall back to the server's message.
        return ERRORS[error.code as KnownErrorCode]?.message ?? error.message;
    }
  }
}

export async function errorsExample(baseUrl: string): Promise<string | null> {
  const client = new MedChat({ baseUrl });
  return describeFailure(() => client.auth.login({ email: 'nobody@example.test', password: 'wrong' })); // invalid_credentials
}
