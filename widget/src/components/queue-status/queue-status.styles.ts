import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
  }
  div {
    margin: 12px 16px 0;
    padding: 12px 14px;
    border-radius: var(--medchat-radius);
    background: var(--_raised);
  }
  strong {
    display: block;
    margin-bottom: 2px;
  }
  p {
    margin: 0;
  }
  .hint {
    color: var(--medchat-color-muted);
    font-size: 0.9em;
    margin-top: 4px;
  }
`;
