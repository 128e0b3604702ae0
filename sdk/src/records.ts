/**
 * `@medchat/sdk/records`: what a clinic files in its charts, on top of a signed-in `MedChat` client — a session's
 * transcript (plain text or PDF), a session as a FHIR R4 Bundle, and the sessions of a time range as FHIR NDJSON,
 * streamed page after page. A separate entry, so patient apps, the widget and consoles that file nothing do not
 * bundle it.
 *
 *   const records = new MedChatRecords(client);
 *   const { filename, blob } = await records.transcript(sessionId, 'pdf');
 *   for await (const resource of records.fhirExport({ from: '2026-03-01T00:00:00Z' })) store(resource);
 */
import type { MedChat } from './client';
import { request, type Fetch, type HttpConfig } from './core/http';
import type { FhirExportParams, FhirSessionParams, TranscriptFormat } from './protocol/requests';
import type { CallOptions } from './resources/auth';

/** A download: the file name the server gives it (`transcript-<id>.pdf`) and its bytes, typed (`application/pdf`). */
export interface RecordFile {
  filename: string;
  blob: Blob;
}

/** Any FHIR R4 resource, loosely: its type and id, and whatever else FHIR says it holds (docs/fhir.md). */
export interface FhirResource {
  resourceType: string;
  id: string;
  [field: string]: unknown;
}

/** A session as a FHIR R4 Bundle of type collection: its Encounter, a Provenance per assignment, a Communication per message. */
export interface FhirBundle extends FhirResource {
  resourceType: 'Bundle';
  type: 'collection';
  timestamp: string;
  entry: Array<{ fullUrl: string; resource: FhirResource }>;
}

/** The bulk export's range, as on the route, without the paging (which `fhirExport` follows itself). */
export type FhirExportRange = Omit<FhirExportParams, 'cursor'>;

/**
 * Staff who held a session and admins (the bulk export: admins only). The requests are the client's own (token,
 * retries, timeout, errors as `MedChatError`). Each download is a read of PHI the server audits.
 */
export class MedChatRecords {
  private readonly http: HttpConfig;

  constructor(client: MedChat) {
    this.http = client.http;
  }

  /** The transcript for a chart: clinic, patient, times, who held the chat with handover notes, every message. */
  async transcript(sessionId: string, format: TranscriptFormat = 'text', options?: CallOptions): Promise<RecordFile> {
    const res = await this.get(`/sessions/${encodeURIComponent(sessionId)}/transcript`, { format }, options);
    return {
      filename: /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `transcript.${format === 'pdf' ? 'pdf' : 'txt'}`,
      blob: await res.blob(),
    };
  }

  /** One session as a FHIR R4 Bundle; `includeNotes` (admins) adds the handover notes. */
  fhirBundle(sessionId: string, params: FhirSessionParams = {}, options?: CallOptions): Promise<FhirBundle> {
    return request(this.http, 'GET', `/sessions/${encodeURIComponent(sessionId)}/fhir`, { ...options, query: flags(params) });
  }

  /**
   * The sessions started in `[from, to)` as FHIR R4 resources (Encounter, then its Provenances and Communications),
   * read line by line as the server streams them and following every next page; admins only.
   */
  async *fhirExport(range: FhirExportRange = {}, options?: CallOptions): AsyncGenerator<FhirResource> {
    let query: Record<string, string | number | undefined> = flags(range);
    for (;;) {
      const res = await this.get('/fhir/export', query, options);
      yield* lines(res);
      const cursor = res.headers.get('x-next-cursor');
      if (!cursor) return;
      query = { ...query, to: res.headers.get('x-export-to') ?? range.to, cursor };
    }
  }

  /** A GET whose answer is a file: handed back as the Response, after the client's usual retries and errors. */
  private async get(path: string, query: Record<string, string | number | undefined>, options?: CallOptions): Promise<Response> {
    let answer: Response | undefined;
    const fetch: Fetch = async (input, init) => {
      const res = await this.http.fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), accept: '*/*' } });
      if (!res.ok) return res;
      answer = res;
      return new Response(null, { status: 204 });
    };
    await request({ ...this.http, fetch }, 'GET', path, { ...options, query });
    return answer!;
  }
}

/** Booleans as the route reads them. */
const flags = (params: Record<string, string | number | boolean | undefined>) =>
  Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'boolean' ? String(v) : v])) as Record<string, string | number | undefined>;

/** NDJSON from a streamed body, one parsed line at a time. */
async function* lines(res: Response): AsyncGenerator<FhirResource> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { done, value } = await reader.read();
    rest += value ?? '';
    const parts = rest.split('\n');
    rest = done ? '' : parts.pop()!;
    for (const line of parts) if (line.trim()) yield JSON.parse(line) as FhirResource;
    if (done) return;
  }
}

export type { TranscriptFormat, FhirExportParams, FhirSessionParams } from './protocol/requests';
