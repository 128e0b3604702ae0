/**
 * The loader's own styles (launcher, badge, the panel around the frame), as a plain string: the loader carries no
 * Lit. The same look and the same custom properties as the conversation's launcher and panel
 * (components/medchat-widget/medchat-widget.styles.ts). Defaults are given as `var()` fallbacks, not declared on
 * :host, so the element's computed style holds only what the page set: those values are handed to the frame.
 */
export const EMBED_CSS = `
:host{position:fixed;z-index:var(--medchat-z-index,2147483000);inset:auto 0 0 auto;font:15px/1.4 var(--medchat-font-family,system-ui,-apple-system,'Segoe UI',Roboto,sans-serif);
--_p:var(--medchat-color-primary,var(--medchat-brand-color,#0b5cad));--_on:var(--medchat-color-on-primary,var(--medchat-brand-on-color,#fff));
--_s:var(--medchat-color-surface,#fff);--_t:var(--medchat-color-text,#1b1f24);--_d:var(--medchat-color-danger,#b42318);--_l:var(--medchat-launcher-size,56px)}
:host([theme=dark]){--_p:var(--medchat-color-primary,var(--medchat-brand-color,#6cb6ff));--_on:var(--medchat-color-on-primary,var(--medchat-brand-on-color,#0d1117));--_s:var(--medchat-color-surface,#161b22);--_t:var(--medchat-color-text,#e6edf3);--_d:var(--medchat-color-danger,#ff8b82)}
@media (prefers-color-scheme:dark){:host([theme=auto]){--_p:var(--medchat-color-primary,var(--medchat-brand-color,#6cb6ff));--_on:var(--medchat-color-on-primary,var(--medchat-brand-on-color,#0d1117));--_s:var(--medchat-color-surface,#161b22);--_t:var(--medchat-color-text,#e6edf3);--_d:var(--medchat-color-danger,#ff8b82)}}
*{box-sizing:border-box}
button{position:fixed;right:20px;bottom:20px;width:var(--_l);height:var(--_l);border-radius:50%;padding:0;border:1px solid transparent;display:grid;place-items:center;cursor:pointer;
background:var(--_p);color:var(--_on);box-shadow:0 4px 14px rgb(0 0 0/.25)}
button:focus-visible{outline:3px solid var(--_t);outline-offset:2px}
svg{width:55%;height:55%;fill:currentColor}
.badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:var(--_d);color:var(--_s);font-size:12px;font-weight:700;line-height:22px;border:2px solid var(--_s)}
.panel{position:fixed;right:20px;bottom:calc(32px + var(--_l));width:min(var(--medchat-panel-width,380px),calc(100vw - 40px));max-height:min(640px,calc(100vh - 120px));display:flex;flex-direction:column;
background:var(--_s);color:var(--_t);border:1px solid color-mix(in srgb,var(--_t) 22%,var(--_s));border-radius:var(--medchat-radius,12px);box-shadow:0 10px 40px rgb(0 0 0/.3);overflow:hidden}
:host([position=bottom-left]) button,:host([position=bottom-left]) .panel{right:auto;left:20px}
.panel[hidden],[hidden]{display:none}
iframe{display:block;width:100%;height:var(--_h,420px);max-height:min(640px,calc(100vh - 120px));border:0;background:var(--_s)}
p{margin:0;padding:24px 16px}
@media (max-width:480px){.panel{inset:0;width:100%;height:100%;max-height:none;border-radius:0;border:0}iframe{height:100%;max-height:none}}
`;
