import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    padding: 20px 16px;
  }
  h2 {
    margin: 0 0 6px;
    font-size: 1.15em;
  }
  p {
    margin: 0 0 16px;
  }
  .actions {
    display: grid;
    gap: 10px;
  }
  a {
    display: block;
    text-align: center;
    padding: 0.6em 0.9em;
    border-radius: calc(var(--medchat-radius) / 2);
    min-height: 44px;
    border: 1px solid var(--_line);
    color: var(--medchat-color-text);
    font-weight: 600;
  }
`;
