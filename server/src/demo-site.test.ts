/** The demo clinic page's icon: browsers ask for /favicon.ico on every load, and a 404 there is a console error. */
import { expect, test } from 'bun:test';
import { demoSite } from './demo-site';

test('the demo serves the clinic page’s icon at /favicon.svg and /favicon.ico, under the page policy', async () => {
  const app = await demoSite(() => 'http://clinic.test');
  for (const path of ['/favicon.svg', '/favicon.ico']) {
    const res = await app.handle(new Request(`http://clinic.test${path}`));
    expect({ path, status: res.status, type: res.headers.get('content-type') }).toEqual({ path, status: 200, type: 'image/svg+xml' });
    expect(await res.text()).toStartWith('<svg');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  }
  const page = await (await app.handle(new Request('http://clinic.test/'))).text();
  expect(page).toContain('<link rel="icon" href="favicon.svg" type="image/svg+xml" />');
}, 60_000);
