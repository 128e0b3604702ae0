/** The small page behind an email's unsubscribe link: a button that POSTs (so a mail scanner's GET unsubscribes nobody). */
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function unsubscribePage(token: string, state: 'ask' | 'done' | 'invalid'): string {
  const body =
    state === 'ask'
      ? `<h1>Stop these emails?</h1><p>You will no longer be emailed when this clinic replies to you.</p>
<form method="post" action="/email/unsubscribe?token=${encodeURIComponent(token)}"><button type="submit">Unsubscribe</button></form>`
      : state === 'done'
        ? '<h1>You are unsubscribed</h1><p>No more emails will be sent to this address about new messages.</p>'
        : '<h1>This link is not valid</h1><p>Nothing was changed.</p>';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(state === 'ask' ? 'Unsubscribe' : 'Unsubscribe')}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}button{font:inherit;padding:.5rem 1rem}</style>
</head><body>${body}</body></html>`;
}
