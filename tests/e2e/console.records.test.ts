/**
 * Filing a chat in a chart from the staff console, in a real browser against a real server, under the console's
 * strict CSP: an admin downloads a session's transcript as PDF (read back with a PDF parser) and as text and its
 * FHIR Bundle from the sessions table, exports the week's chats as FHIR NDJSON, and sees the reports chart drawn by
 * Chart.js with its figures for screen readers, then downloads the CSV. Desktop and phone; screenshots in
 * test-results/console/.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Download, Page } from 'playwright-core';
import { extractText, getDocumentProxy } from 'unpdf';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import type { RunningServer } from '../../server/src/server';
import { launchChromium } from '../helpers/browser';
import { CONSOLE_SHOTS, openConsole, overflowsViewport, seriousA11yViolations, shot, startConsoleServer } from '../helpers/console';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(90_000);

let server: RunningServer;
let browser: Browser;
let sessionId: string;
const PATIENT = 'Rosa Records';
const SAID = 'Голова кружится since Monday';

async function api(path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return res.json();
}

/** Clicks a button and saves what the browser downloads. */
async function download(page: Page, name: string): Promise<{ file: Download; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name, exact: true }).click()]);
  return { file, bytes: await readFile((await file.path())!) };
}

describe.skipIf(process.env.MEDCHAT_SKIP_BROWSER === '1')('staff console: records for the chart (browser)', () => {
  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchChromium();
    const joy = await api('/auth/login', { body: { email: 'nurse.joy@demo.clinic', password: DEMO_PASSWORD } });
    await api('/employees/me/availability', { method: 'PUT', token: joy.token, body: { availability: 'available' } });
    const patient = await api('/auth/guest', { body: { siteKey: 'demo', displayName: PATIENT } });
    sessionId = (await api('/sessions', { token: patient.token, body: { reason: 'Dizzy' } })).id;
    await api(`/sessions/${sessionId}/messages`, { token: patient.token, body: { clientMsgId: 'p1', body: SAID } });
    await api(`/sessions/${sessionId}/messages`, { token: joy.token, body: { clientMsgId: 'j1', body: 'Please sit down and drink water.' } });
    await api(`/sessions/${sessionId}/end`, { token: patient.token });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("an admin downloads a session's transcript (PDF and text) and FHIR bundle, and the week's FHIR export", async () => {
    const { page, guard } = await openConsole(browser, server, 'admin@demo.clinic');
    // The table is redrawn on every refresh: wait for the row, scroll to the table's title, which stays.
    await page.locator(`tr[data-session-id="${sessionId}"]`).waitFor();
    await page.locator('#sessions-title').scrollIntoViewIfNeeded();

    const pdf = await download(page, `Transcript of \u2068${PATIENT}\u2069 (PDF)`);
    expect(pdf.file.suggestedFilename()).toBe(`transcript-${sessionId}.pdf`);
    expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true });
    const pdfText = text.replace(/\s+/g, ' ');
    for (const part of [
      'Riverside Family Clinic: chat transcript',
      `Patient ${PATIENT} (guest)`,
      'Who held the chat',
      'Nurse Joy',
      SAID,
      'Please sit down and drink water.',
    ])
      expect(pdfText).toContain(part);

    const txt = await download(page, `Transcript of \u2068${PATIENT}\u2069 (text)`);
    expect(txt.file.suggestedFilename()).toBe(`transcript-${sessionId}.txt`);
    const plain = txt.bytes.toString('utf8');
    expect(plain).toContain(`Patient:    ${PATIENT} (guest)`);
    expect(plain).toContain(`${PATIENT} (patient): ${SAID}`);
    expect(plain).toMatch(/ {2}Nurse Joy: .* assigned at the start/);

    const fhir = await download(page, `FHIR bundle of \u2068${PATIENT}\u2069`);
    expect(fhir.file.suggestedFilename()).toBe(`fhir-${sessionId}.json`);
    const bundle = JSON.parse(fhir.bytes.toString('utf8'));
    expect(bundle.resourceType).toBe('Bundle');
    const resources = bundle.entry.map((e: { resource: { resourceType: string; id: string } }) => e.resource);
    expect(resources.find((r: { resourceType: string }) => r.resourceType === 'Encounter').id).toBe(sessionId);
    expect(JSON.stringify(resources)).toContain(SAID);

    // The bulk export: the form's default range is the last seven days, today included.
    const form = page.getByRole('form', { name: 'FHIR export' });
    await form.scrollIntoViewIfNeeded();
    const ndjson = await download(page, 'Export FHIR (NDJSON)');
    expect(ndjson.file.suggestedFilename()).toMatch(/^medchat-fhir-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.ndjson$/);
    const lines = ndjson.bytes
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.filter((r) => r.resourceType === 'Encounter').map((r) => r.id)).toEqual([sessionId]);
    expect(lines.some((r) => r.resourceType === 'Communication' && r.payload[0].contentString === SAID)).toBe(true);
    await page.locator('.fhir-export [role="status"]').getByText(`Exported 1 chat (${lines.length} resources)`, { exact: false }).waitFor();

    await page.locator('#sessions-title').scrollIntoViewIfNeeded();
    await shot(page, '55-admin-records');
    await page
      .locator('.admin .table-frame')
      .nth(1)
      .screenshot({ path: `${CONSOLE_SHOTS}/55-admin-records-table.png` });
    await form.screenshot({ path: `${CONSOLE_SHOTS}/55-admin-fhir-export.png` });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await guard.assertClean();
  });

  test('the reports chart is drawn by Chart.js, with its figures for screen readers, and the CSV downloads; phone too', async () => {
    for (const viewport of ['desktop', 'phone'] as const) {
      const { page, guard } = await openConsole(browser, server, 'admin@demo.clinic', viewport);
      await page.getByRole('form', { name: 'Reports' }).scrollIntoViewIfNeeded();
      await page.getByRole('button', { name: 'Show report' }).click();
      const canvas = page.locator('.report-chart canvas');
      await canvas.waitFor();
      // The canvas is an image named by its figures; its fallback content lists each day (the table has them all).
      expect(await canvas.getAttribute('role')).toBe('img');
      expect(await canvas.getAttribute('aria-label')).toMatch(/^Chats started per day, .+: most in one day, 1$/);
      const days = await canvas.locator('li').allTextContents();
      expect(days).toHaveLength(7);
      expect(days.at(-1)).toMatch(/^\d{4}-\d{2}-\d{2}: 1 chat, \d after hours, 0 urgent$/);
      // Chart.js sized the canvas to its box and drew on it: some pixels carry the bars' colour.
      const drawn = await canvas.evaluate((c: HTMLCanvasElement) => {
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
        return { width: c.width, painted };
      });
      expect(drawn.width).toBeGreaterThan(200);
      expect(drawn.painted).toBeGreaterThan(500);
      expect(await overflowsViewport(page)).toBe(false);
      await page.locator('.report-chart').scrollIntoViewIfNeeded();
      await shot(page, viewport === 'desktop' ? '56-admin-reports-chart' : '57-admin-reports-chart-phone');
      await page.locator('.report-chart').screenshot({ path: `${CONSOLE_SHOTS}/${viewport === 'desktop' ? 56 : 57}-chart-only.png` });
      if (viewport === 'desktop') {
        const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
        expect(file.suggestedFilename()).toMatch(/^report-.+-day\.csv$/);
        const csv = (await readFile((await file.path())!, 'utf8')).split('\r\n');
        expect(csv[0]).toStartWith('start,label,chats_started,after_hours,urgent,');
        expect(csv.find((l) => l.startsWith(',total,'))).toStartWith(',total,1,');
      } else {
        // The table is redrawn on every refresh: scroll to its title, which stays.
        await page.locator(`tr[data-session-id="${sessionId}"]`).waitFor();
        await page.locator('#sessions-title').scrollIntoViewIfNeeded();
        await shot(page, '58-admin-records-phone');
        await page
          .locator('.admin .table-frame')
          .nth(1)
          .screenshot({ path: `${CONSOLE_SHOTS}/58-admin-records-table-phone.png` });
      }
      await guard.assertClean();
    }
  });

  // Last: its chat would change the figures the tests above read.
  test("a nurse downloads the transcript of the chat she holds from the chat's tab", async () => {
    const { page, guard } = await openConsole(browser, server, 'nurse.sam@demo.clinic');
    // Saved before the patient starts: otherwise the chat may wait, and a chat waiting from earlier go to Sam first.
    const saved = page.waitForResponse((r) => r.url().endsWith('/employees/me/availability') && r.ok());
    await page.getByLabel('Availability').selectOption('available');
    await saved;
    const patient = await api('/auth/guest', { body: { siteKey: 'demo', displayName: 'Tom Tab' } });
    const id = (await api('/sessions', { token: patient.token, body: { reason: 'Rash on the arm' } })).id;
    await api(`/sessions/${id}/messages`, { token: patient.token, body: { clientMsgId: 't1', body: 'It itches at night' } });
    await page.getByRole('tab', { name: /Tom Tab/ }).waitFor();
    await page.locator('.message-patient', { hasText: 'It itches at night' }).waitFor();
    const pdf = await download(page, `Transcript of \u2068Tom Tab\u2069 (PDF)`);
    expect(pdf.file.suggestedFilename()).toBe(`transcript-${id}.pdf`);
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true });
    const pdfText = text.replace(/\s+/g, ' ');
    for (const part of ['Reason Rash on the arm', 'Ended not yet (active)', 'Nurse Sam', 'Tom Tab (patient) It itches at night'])
      expect(pdfText).toContain(part);
    const txt = await download(page, `Transcript of \u2068Tom Tab\u2069 (text)`);
    expect(txt.bytes.toString('utf8')).toContain('Tom Tab (patient): It itches at night');
    await page.locator('.chat-records').screenshot({ path: `${CONSOLE_SHOTS}/59-chat-records.png` });
    await guard.assertClean();
  });
});
