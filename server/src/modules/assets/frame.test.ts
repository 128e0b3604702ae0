import { describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { useTestApp } from '../../../../tests/helpers/app';
import { clinics } from '../../db/schema';
import { frameCsp, framePage } from './frame';
import { ensureWidgetBuilt } from './index';

describe('GET /widget/frame', () => {
  const t = useTestApp();

  test("a clinic's frame: its own strict policy, framed only by the clinic's allowed origins", async () => {
    await t.ctx.db
      .update(clinics)
      .set({ allowedOrigins: ['https://riverside.example', 'https://www.riverside.example'] })
      .where(eq(clinics.siteKey, 'demo'));
    // The origins are cached per instance for a minute: a change through the API drops them; here, a fresh lookup.
    const res = await t.app.handle(new Request('http://chat.example/widget/frame?site=demo&lang=es'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('x-frame-options')).toBeNull();
    const csp = res.headers.get('content-security-policy')!;
    expect(csp.split('; ')).toEqual([
      "default-src 'none'",
      "script-src 'self'",
      "connect-src 'self' ws://chat.example",
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'none'",
      'frame-ancestors https://riverside.example https://www.riverside.example',
    ]);
    const html = await res.text();
    expect(html).toContain('<html lang="es" data-origins="[&#34;https://riverside.example&#34;,&#34;https://www.riverside.example&#34;]">');
    expect(html).toContain('<script type="module" src="/widget/medchat-chat.js"></script>');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  test("a patient's language other than English and the attachments are fetched with the conversation, not after it", async () => {
    await ensureWidgetBuilt();
    const spanish = await (await t.app.handle(new Request('http://chat.example/widget/frame?site=demo&lang=es-MX'))).text();
    expect(spanish).toContain('<link rel="modulepreload" href="/widget/medchat-chat-es.js">');
    expect(spanish).toContain('<link rel="modulepreload" href="/widget/medchat-chat-attachments.js">');
    const english = await (await t.app.handle(new Request('http://chat.example/widget/frame?site=demo&lang=en'))).text();
    expect(english).not.toContain('medchat-chat-es.js');
    expect(english).toContain('<link rel="modulepreload" href="/widget/medchat-chat-attachments.js">');
    const attachments = await t.app.handle(new Request('http://chat.example/widget/medchat-chat-attachments.js'));
    expect(attachments.status).toBe(200);
    expect(await attachments.text()).toContain('medchat-attachment-tray');
    const chunk = await t.app.handle(new Request('http://chat.example/widget/medchat-chat-es.js'));
    expect(chunk.status).toBe(200);
    expect(chunk.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await chunk.text()).toContain('Abrir chat');
    for (const file of ['medchat-chat-fr.js', 'medchat-chat-.js', 'medchat-chat-es.js.map', 'medchat-chat-ES.js', 'medchat-chat-attachments.js.map']) {
      expect((await t.app.handle(new Request(`http://chat.example/widget/${file}`))).status).toBe(404);
    }
  });

  test('an unknown site is a 404 with the error envelope; a strange language is English', async () => {
    const res = await t.app.handle(new Request('http://chat.example/widget/frame?site=nowhere'));
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('clinic_not_found');
    expect(framePage('en', ['https://a.example'])).toContain('lang="en"');
    const odd = await t.app.handle(new Request('http://chat.example/widget/frame?site=demo&lang=%22%3E%3Cscript%3E'));
    expect(await odd.text()).toContain('<html lang="en"');
  });

  test('a clinic with no allowed origin can be framed by nobody', () => {
    expect(frameCsp('https://chat.example', [])).toContain("frame-ancestors 'none'");
    expect(frameCsp('https://chat.example', [])).toContain("connect-src 'self' wss://chat.example");
  });
});
