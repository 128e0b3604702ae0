import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    padding: 16px;
  }
  form {
    display: grid;
    gap: 14px;
  }
  p {
    margin: 0;
    color: var(--medchat-color-text);
  }
  label {
    display: block;
    font-weight: 600;
    margin-bottom: 4px;
  }
  input,
  select,
  textarea {
    width: 100%;
    font: inherit;
    color: var(--medchat-color-text);
    background: var(--medchat-color-surface);
    border: 1px solid var(--medchat-color-muted);
    border-radius: calc(var(--medchat-radius) / 2);
    padding: 10px;
  }
  textarea {
    min-height: 84px;
    resize: vertical;
  }
  [aria-invalid='true'] {
    border-color: var(--medchat-color-danger);
    border-width: 2px;
  }
  .hint {
    font-size: 0.85em;
    color: var(--medchat-color-muted);
    margin-top: 4px;
  }
  .error {
    font-size: 0.9em;
    color: var(--medchat-color-danger);
    margin-top: 4px;
    font-weight: 600;
  }
  button {
    justify-self: stretch;
  }
  fieldset {
    margin: 0;
    padding: 0;
    border: 0;
  }
  fieldset label {
    display: inline;
    margin-inline-end: 16px;
  }
  fieldset input,
  .check input {
    width: auto;
  }
  .check {
    font-weight: normal;
  }
  .alarm {
    border: 2px solid var(--medchat-color-danger);
    border-radius: calc(var(--medchat-radius) / 2);
    padding: 10px;
    color: var(--medchat-color-danger);
  }
`;
