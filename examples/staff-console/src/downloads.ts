import type { MedChatRecords } from '@medchat/sdk/records';
import { h, isolated } from './dom';
import { errorText } from './format';

/**
 * Saves a file the console fetched with its token (a plain link cannot send it): through a temporary link to an
 * object URL, kept a few seconds for the browser to start the download.
 */
export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A button that fetches a file and saves it; while it loads it is disabled, and a failure is said in `status`. */
function downloadButton(label: string, name: string, fetchFile: () => Promise<{ blob: Blob; filename: string }>, status: HTMLElement): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'download', 'aria-label': name }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.textContent = '';
    try {
      const { blob, filename } = await fetchFile();
      saveFile(blob, filename);
    } catch (e) {
      status.textContent = `Could not download: ${errorText(e)}`;
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/**
 * A session's files for the clinic's chart, through the SDK's records entry: the transcript as PDF and as text,
 * and the FHIR R4 Bundle. Each download is audited by the server. `patient` names the chat in the buttons'
 * accessible names, since a table has one group per row.
 */
export function recordDownloads(records: MedChatRecords, sessionId: string, patient: string): HTMLElement {
  const who = isolated(patient);
  const status = h('span', { class: 'error', role: 'alert' });
  const bundle = async () => {
    const json = JSON.stringify(await records.fhirBundle(sessionId), null, 2);
    return { blob: new Blob([json], { type: 'application/fhir+json' }), filename: `fhir-${sessionId}.json` };
  };
  return h(
    'span',
    { class: 'record-downloads' },
    downloadButton('Transcript (PDF)', `Transcript of ${who} (PDF)`, () => records.transcript(sessionId, 'pdf'), status),
    downloadButton('Transcript (text)', `Transcript of ${who} (text)`, () => records.transcript(sessionId, 'text'), status),
    downloadButton('FHIR bundle', `FHIR bundle of ${who}`, bundle, status),
    status,
  );
}
