import type { Report } from '../protocol/models';
import type { ReportCsvParams, ReportParams } from '../protocol/requests';
import { request, type Fetch, type HttpConfig } from '../core/http';
import type { CallOptions } from './auth';

/** A report as CSV: the text, and the file name the server gives it (`report-2026-03-02-2026-03-08-day.csv`). */
export interface ReportCsv {
  filename: string;
  csv: string;
}

/** Admin: the clinic's figures for a range of local days (`/api/v1/reports`, `/api/v1/reports.csv`); every read is audited. */
export class Reports {
  constructor(private readonly http: HttpConfig) {}

  /** A row per local day (or `bucket: 'hour'`), the range's total and the chats per employee. */
  get(params: ReportParams, options?: CallOptions): Promise<Report> {
    return request(this.http, 'GET', '/reports', { ...options, query: params });
  }

  /**
   * The same figures as CSV (`table: 'employees'` for the chats per employee). It goes through the same request
   * function as every call (retries, timeout, errors as `MedChatError`): a CSV answer is handed on to it as JSON.
   */
  async csv(params: ReportCsvParams, options?: CallOptions): Promise<ReportCsv> {
    const fetch: Fetch = async (input, init) => {
      const res = await this.http.fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), accept: 'text/csv' } });
      if (!res.ok) return res;
      const filename = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'report.csv';
      const answer: ReportCsv = { filename, csv: await res.text() };
      return new Response(JSON.stringify(answer), { status: res.status, headers: { 'content-type': 'application/json' } });
    };
    return request({ ...this.http, fetch }, 'GET', '/reports.csv', { ...options, query: params });
  }
}
