/**
 * What only the demo serves: the demo clinic page at `/` (embedding the widget with the README's snippet) and the
 * staff console at `/console/`. Both get a strict Content-Security-Policy.
 */
import { Elysia } from 'elysia';
import { fileURLToPath } from 'node:url';

const CLINIC_SITE = fileURLToPath(new URL('../../examples/clinic-site', import.meta.url));
const CLINIC_PAGE = `${CLINIC_SITE}/index.html`;

export const DEMO_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

type Files = Map<string, { body: string | Uint8Array; type: string }>;

/** `origin` is where the clinic page says the chat server is; a function, as port 0 is only known after listening. */
export async function demoSite(origin: () => string) {
  const { buildConsole } = (await import('../../examples/staff-console/build')) as { buildConsole(): Promise<Files> };
  const consoleFiles = await buildConsole();
  const clinicPage = await Bun.file(CLINIC_PAGE).text();
  const html = (body: string | Uint8Array | Blob, type = 'text/html; charset=utf-8') =>
    new Response(body as BodyInit, { headers: { 'content-type': type, 'content-security-policy': DEMO_CSP, 'x-frame-options': 'DENY' } });
  return (
    new Elysia({ name: 'demo-site', detail: { hide: true } })
      .get('/', () => html(clinicPage.replaceAll('http://localhost:3000', origin())))
      .get('/styles.css', () => html(Bun.file(`${CLINIC_SITE}/styles.css`), 'text/css; charset=utf-8'))
      // The page links its icon; browsers that still ask for /favicon.ico get the same one (a 404 there is a console error).
      .get('/favicon.svg', () => html(Bun.file(`${CLINIC_SITE}/favicon.svg`), 'image/svg+xml'))
      .get('/favicon.ico', () => html(Bun.file(`${CLINIC_SITE}/favicon.svg`), 'image/svg+xml'))
      // Elysia matches `/console` and `/console/` alike; the console's relative URLs need the trailing slash.
      .get('/console', ({ request, redirect }) =>
        new URL(request.url).pathname.endsWith('/') ? html(consoleFiles.get('index.html')!.body) : redirect('/console/'),
      )
      .get('/console/*', ({ params }) => {
        const file = consoleFiles.get(params['*'] || 'index.html') ?? consoleFiles.get('index.html');
        return file ? html(file.body, file.type) : new Response('Not found', { status: 404 });
      })
  );
}
