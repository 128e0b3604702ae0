import type { MedChat } from '@medchat/sdk';
import { MedChatAdmin } from '@medchat/sdk/admin';

/**
 * The clinic's team names by id, for the inbox rows and the patient's details (a chat transferred to a team, or
 * routed by a topic). Read once, when the first chat with a team is shown; `onLoad` redraws what named none yet.
 */
export class TeamNames {
  private names: Map<string, string> | null = null;
  private isLoading = false;

  constructor(
    private readonly client: MedChat,
    private readonly onLoad: () => void,
  ) {}

  /** The team's name, or null while it is being read (or the team is gone). */
  nameOf(teamId: string | null): string | null {
    if (!teamId) return null;
    if (!this.names) this.load();
    return this.names?.get(teamId) ?? null;
  }

  private load(): void {
    if (this.isLoading) return;
    this.isLoading = true;
    new MedChatAdmin(this.client).teams.list().then(
      ({ teams }) => {
        this.names = new Map(teams.map((t) => [t.id, t.name]));
        this.onLoad();
      },
      // Not worth an error line (rows show the topic, or nothing, without it), nor a retry on every row drawn.
      () => (this.names = new Map()),
    );
  }
}
