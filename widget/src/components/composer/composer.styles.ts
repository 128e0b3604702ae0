import { css } from 'lit';

export const styles = css`
  form {
    display: flex;
    gap: 8px;
    padding: 10px 12px;
    border-top: 1px solid var(--_line);
    align-items: flex-end;
    flex-wrap: wrap;
  }
  textarea {
    flex: 1;
    min-width: 0;
    font: inherit;
    resize: none;
    min-height: 44px;
    max-height: 140px;
    padding: 10px;
    color: var(--medchat-color-text);
    background: var(--medchat-color-surface);
    border: 1px solid var(--medchat-color-muted);
    border-radius: calc(var(--medchat-radius) / 2);
    field-sizing: content;
  }
`;
