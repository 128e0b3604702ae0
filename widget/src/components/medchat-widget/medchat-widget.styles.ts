import { css } from 'lit';

export const styles = css`
  :host {
    position: fixed;
    z-index: var(--medchat-z-index);
    inset: auto 0 0 auto;
    font-size: 15px;
    line-height: 1.4;
  }
  .launcher {
    position: fixed;
    right: 20px;
    bottom: 20px;
    width: var(--medchat-launcher-size);
    height: var(--medchat-launcher-size);
    border-radius: 50%;
    padding: 0;
    display: grid;
    place-items: center;
    box-shadow: 0 4px 14px rgb(0 0 0 / 0.25);
  }
  .launcher svg {
    width: 55%;
    height: 55%;
    fill: currentColor;
  }
  .badge {
    position: absolute;
    top: -4px;
    right: -4px;
    min-width: 22px;
    height: 22px;
    padding: 0 6px;
    border-radius: 11px;
    background: var(--medchat-color-danger);
    color: var(--medchat-color-surface);
    font-size: 12px;
    font-weight: 700;
    line-height: 22px;
    border: 2px solid var(--medchat-color-surface);
  }
  .panel {
    position: fixed;
    right: 20px;
    bottom: calc(32px + var(--medchat-launcher-size));
    width: min(var(--medchat-panel-width), calc(100vw - 40px));
    /* As tall as its content (the pre-chat form, the end screen), up to the chat's height. */
    max-height: min(640px, calc(100vh - 120px));
    display: flex;
    flex-direction: column;
    background: var(--medchat-color-surface);
    color: var(--medchat-color-text);
    border: 1px solid var(--_line);
    border-radius: var(--medchat-radius);
    box-shadow: 0 10px 40px rgb(0 0 0 / 0.3);
    overflow: hidden;
  }
  :host([position='bottom-left']) .launcher,
  :host([position='bottom-left']) .panel {
    right: auto;
    left: 20px;
  }
  .panel.tall {
    height: min(640px, calc(100vh - 120px));
  }
  .panel[hidden] {
    display: none;
  }
  header {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 10px 12px 10px 16px;
    background: var(--medchat-color-primary);
    color: var(--medchat-color-on-primary);
    --_focus: var(--medchat-color-on-primary);
  }
  h2 {
    flex: 1;
    margin: 0;
    font-size: 1.05em;
    overflow-wrap: anywhere;
  }
  header button {
    background: transparent;
    color: inherit;
    border-color: currentColor;
    min-height: 36px;
    padding: 0.3em 0.7em;
  }
  header .close {
    border-color: transparent;
    width: 40px;
    font-size: 1.4em;
    line-height: 1;
    padding: 0;
  }
  .emergency {
    padding: 8px 16px;
    font-size: 0.88em;
    background: color-mix(in srgb, var(--medchat-color-danger) 9%, var(--medchat-color-surface));
    border-bottom: 1px solid var(--_line);
  }
  .emergency strong {
    color: var(--medchat-color-danger);
  }
  .note {
    display: flex;
    gap: 8px;
    align-items: center;
    justify-content: space-between;
    padding: 8px 16px;
    font-size: 0.9em;
    background: var(--_raised);
    border-bottom: 1px solid var(--_line);
  }
  .note.error {
    color: var(--medchat-color-danger);
    font-weight: 600;
  }
  .note button {
    min-height: 32px;
    padding: 2px 10px;
  }
  .confirm {
    padding: 12px 16px;
    border-bottom: 1px solid var(--_line);
    background: var(--_raised);
  }
  .confirm p {
    margin: 0 0 10px;
  }
  .confirm div {
    display: flex;
    gap: 8px;
    flex-wrap: wrap;
  }
  .danger {
    background: var(--medchat-color-danger);
    color: var(--medchat-color-surface);
  }
  .body {
    flex: 1;
    min-height: 0;
    display: flex;
    flex-direction: column;
    overflow-y: auto;
  }
  .center {
    padding: 24px 16px;
    color: var(--medchat-color-muted);
  }
  .closed {
    color: inherit;
    white-space: pre-line;
  }
  .closed h3 {
    margin-top: 0;
  }
  @media (max-width: 480px) {
    .panel,
    .panel.tall {
      inset: 0;
      width: 100%;
      height: 100%;
      max-height: none;
      border-radius: 0;
      border: 0;
    }
  }
  @media (prefers-reduced-motion: no-preference) {
    .panel {
      animation: medchat-in 160ms ease-out;
    }
    .launcher {
      transition: transform 120ms ease-out;
    }
    .launcher:hover {
      transform: scale(1.05);
    }
  }
  @keyframes medchat-in {
    from {
      opacity: 0;
      transform: translateY(8px);
    }
  }
`;
