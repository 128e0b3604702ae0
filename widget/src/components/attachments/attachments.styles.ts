import { css } from 'lit';

/**
 * The composer's files. The tray's host is `display: contents`: its buttons join the composer's row (before the
 * message box) and its list takes a row of its own above them (`order: -1`, full width; the form wraps).
 */
export const tray = css`
  :host {
    display: contents;
  }
  .icon {
    padding: 0;
    width: 44px;
    flex: none;
  }
  .icon svg {
    width: 22px;
    height: 22px;
    vertical-align: middle;
  }
  .camera {
    display: none;
  }
  @media (pointer: coarse) {
    .camera {
      display: inline-block;
    }
  }
  .tray {
    order: -1;
    flex-basis: 100%;
    min-width: 0;
  }
  .tray:empty {
    display: none;
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 4px;
  }
  li,
  p {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 4px 8px;
    margin: 0;
    font-size: 0.9em;
    overflow-wrap: anywhere;
  }
  .name {
    flex: 1 1 8em;
    min-width: 0;
  }
  progress {
    width: 80px;
    accent-color: var(--medchat-color-primary);
  }
  .size {
    color: var(--medchat-color-muted);
  }
  .error {
    color: var(--medchat-color-danger);
  }
  /* A refusal reads on a line of its own, under the file's name and its buttons. */
  li .error {
    order: 1;
    flex-basis: 100%;
  }
  .link {
    background: none;
    color: inherit;
    text-decoration: underline;
    padding: 0 6px;
  }
`;

/** A message's files: thumbnails at their proportions, and a card per document. */
export const list = css`
  ul {
    list-style: none;
    margin: 4px 0 0;
    padding: 0;
    display: flex;
    flex-wrap: wrap;
    justify-content: var(--_files-justify, flex-start);
    gap: 6px;
  }
  button {
    padding: 0;
    border-color: var(--_line);
    background: var(--_raised);
    color: inherit;
    overflow: hidden;
  }
  .thumb {
    min-width: 44px;
    display: grid;
    place-items: center;
  }
  img {
    display: block;
    max-width: 100%;
    height: auto;
    object-fit: cover;
  }
  .file {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 6px 10px;
    text-align: start;
    overflow-wrap: anywhere;
  }
  .badge {
    font-size: 0.75em;
    font-weight: 700;
    padding: 2px 4px;
    border-radius: 4px;
    background: var(--medchat-color-danger);
    color: var(--medchat-color-surface);
  }
`;
