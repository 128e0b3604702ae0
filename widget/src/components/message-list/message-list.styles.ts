import { css } from 'lit';

export const styles = css`
  :host {
    display: flex;
    flex-direction: column;
    min-height: 0;
    flex: 1;
  }
  .log {
    flex: 1;
    overflow-y: auto;
    padding: 12px 16px;
    display: flex;
    flex-direction: column;
    gap: 10px;
    overscroll-behavior: contain;
    /* The widget keeps the reader's place itself; the browser's scroll anchoring must not move it. */
    overflow-anchor: none;
  }
  .jump {
    position: relative;
    height: 0;
  }
  .jump button {
    position: absolute;
    bottom: 8px;
    left: 50%;
    transform: translateX(-50%);
    white-space: nowrap;
    border-radius: 999px;
    background: var(--medchat-color-surface);
    font-weight: 600;
    box-shadow: 0 2px 8px rgb(0 0 0 / 0.25);
  }
  .row {
    max-width: 85%;
    min-width: 0;
    display: flex;
    flex-direction: column;
    align-items: flex-start;
  }
  .own {
    align-self: flex-end;
    align-items: flex-end;
    /* Internal: a message's files line up on the side of its bubble (attachments.styles.ts). */
    --_files-justify: flex-end;
  }
  .who,
  .system,
  .typing {
    overflow-wrap: anywhere;
  }
  .bubble {
    unicode-bidi: isolate;
    text-align: start;
  }
  .who {
    max-width: 100%;
    font-size: 0.8em;
    font-weight: 600;
    color: var(--medchat-color-muted);
    margin: 0 4px 2px;
  }
  .bubble {
    padding: 8px 12px;
    border-radius: var(--medchat-radius);
    background: var(--_raised);
    color: var(--medchat-color-text);
    white-space: pre-wrap;
    overflow-wrap: anywhere;
    line-height: 1.4;
  }
  .own .bubble {
    background: var(--medchat-color-primary);
    color: var(--medchat-color-on-primary);
  }
  .bubble a {
    color: inherit;
    text-decoration: underline;
  }
  .pending .bubble {
    border: 2px dashed var(--medchat-color-primary);
    background: var(--medchat-color-surface);
    color: var(--medchat-color-text);
  }
  .meta {
    font-size: 0.78em;
    color: var(--medchat-color-muted);
    margin: 2px 4px 0;
    display: flex;
    gap: 6px;
    align-items: center;
  }
  .failed {
    color: var(--medchat-color-danger);
    font-weight: 600;
  }
  .meta button {
    min-height: 32px;
    padding: 2px 10px;
    font-size: 1em;
    background: transparent;
    color: var(--medchat-color-text);
    border-color: var(--_line);
  }
  .system {
    align-self: center;
    text-align: center;
    font-size: 0.85em;
    color: var(--medchat-color-muted);
    max-width: 90%;
  }
  .typing {
    min-height: 1.4em;
    padding: 0 16px 4px;
    font-size: 0.85em;
    color: var(--medchat-color-muted);
  }
`;
