import { css } from 'lit';

/**
 * The public theming API of <medchat-widget>: every `--medchat-*` custom property, declared with its default on
 * :host (never :root). A page overrides them with `medchat-widget { --medchat-color-primary: … }`. The clinic's
 * brand colour reaches them through `--medchat-brand-color` / `--medchat-brand-on-color`, which the widget sets
 * on itself; a page value still wins. Light by default, like most pages the widget sits on (it follows the page,
 * not the reader's system); `theme="dark"` forces dark, `theme="auto"` follows prefers-color-scheme.
 * All defaults meet WCAG 2.2 AA contrast (4.5:1 for text) in both themes.
 */
/** The dark palette, once: applied by `theme="dark"`, and by `theme="auto"` when the system prefers dark. */
const dark = css`
  --medchat-color-primary: var(--medchat-brand-color, #6cb6ff);
  --medchat-color-on-primary: var(--medchat-brand-on-color, #0d1117);
  --medchat-color-surface: #161b22;
  --medchat-color-text: #e6edf3;
  --medchat-color-muted: #9ea7b3;
  --medchat-color-danger: #ff8b82;
  color-scheme: dark;
`;

export const tokens = css`
  :host {
    --medchat-color-primary: var(--medchat-brand-color, #0b5cad);
    --medchat-color-on-primary: var(--medchat-brand-on-color, #ffffff);
    --medchat-color-surface: #ffffff;
    --medchat-color-text: #1b1f24;
    --medchat-color-muted: #57606a;
    --medchat-color-danger: #b42318;
    --medchat-font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
    --medchat-radius: 12px;
    --medchat-z-index: 2147483000;
    --medchat-launcher-size: 56px;
    --medchat-panel-width: 380px;
    /* Internal: derived surfaces, not part of the API. */
    --_raised: color-mix(in srgb, var(--medchat-color-text) 7%, var(--medchat-color-surface));
    --_line: color-mix(in srgb, var(--medchat-color-text) 22%, var(--medchat-color-surface));
    --_focus: var(--medchat-color-text);
    color-scheme: light;
  }
  :host([theme='dark']) {
    ${dark}
  }
  @media (prefers-color-scheme: dark) {
    :host([theme='auto']) {
      ${dark}
    }
  }
`;

/** Shared base for every widget component: font, box model, focus ring, buttons, visually-hidden text. */
export const base = css`
  :host {
    font-family: var(--medchat-font-family);
    color: var(--medchat-color-text);
    box-sizing: border-box;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  :focus-visible {
    outline: 3px solid var(--_focus, currentColor);
    outline-offset: 2px;
  }
  button {
    font: inherit;
    cursor: pointer;
    border-radius: calc(var(--medchat-radius) / 2);
    padding: 0.5em 0.9em;
    min-height: 44px;
    border: 1px solid transparent;
  }
  .primary {
    background: var(--medchat-color-primary);
    color: var(--medchat-color-on-primary);
  }
  .secondary {
    background: transparent;
    color: var(--medchat-color-text);
    border-color: var(--_line);
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.7;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;
