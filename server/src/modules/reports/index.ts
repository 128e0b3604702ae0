import { Elysia } from 'elysia';
import { Report, ReportCsvParams, ReportParams } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import { authPlugin } from '../auth/plugin';
import { errors } from '../openapi/responses';
import { readReport, reportCsv } from './service';

const CSV_EXAMPLE =
  'start,label,chats_started,after_hours,first_assignment_count,first_assignment_median_s,first_assignment_p90_s,first_reply_count,first_reply_median_s,first_reply_p90_s,ended_left,ended_disconnected,ended_session_ended,ended_admin\r\n' +
  '2026-11-24T23:00:00.000Z,2026-11-25,42,6,41,38.5,161.2,40,72,240.9,5,1,36,0\r\n' +
  ',total,42,6,41,38.5,161.2,40,72,240.9,5,1,36,0\r\n';

/**
 * Reports for admins: the JSON report and the same figures as CSV. The CSV is its own path rather than a `format`
 * flag, so each operation has one answer type in the API document.
 */
export const reportsModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/v1', tags: ['reports'] })
    .use(authPlugin(ctx))
    .get('/reports', ({ actor, query, ip }) => readReport(ctx, actor, query, ip), {
      auth: ['admin'],
      query: ReportParams,
      response: { 200: Report },
      detail: {
        summary:
          "The clinic's figures for a range of local days, a row per day or hour in the clinic's time zone: chats started, after hours, waits for an employee and a first reply (median, p90), ended assignments by reason, chats per employee; audited",
        responses: errors('invalid_request'),
      },
    })
    .get(
      '/reports.csv',
      async ({ actor, query, ip }) => {
        const table = query.table ?? 'buckets';
        const report = await readReport(ctx, actor, query, ip);
        const name = `report-${report.from}-${report.to}-${table === 'employees' ? 'employees' : report.bucket}.csv`;
        return new Response(reportCsv(report, table), {
          headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"` },
        });
      },
      {
        auth: ['admin'],
        query: ReportCsvParams,
        detail: {
          summary: 'The same report as CSV (a download): a row per day or hour and a total row, or with table=employees a row per employee; audited',
          responses: {
            200: {
              description: 'The report as CSV with a header row',
              content: { 'text/csv': { schema: { type: 'string' }, example: CSV_EXAMPLE } },
            },
            ...errors('invalid_request'),
          },
        },
      },
    );
