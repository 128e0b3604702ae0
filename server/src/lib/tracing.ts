/**
 * OpenTelemetry traces, off unless an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; README.md, docs/operations/tracing.md). Spans cover what a request or a frame
 * goes through in this service: the HTTP request (a `traceparent` header continues the caller's trace), each socket
 * frame, the message batch that stores it (linked to every frame it carried), and the bus between instances (the
 * event carries its `traceparent`, so the instance that delivers it continues the same trace).
 *
 * Like metric labels, span names and attributes carry only route patterns, frame and event types, statuses, error
 * codes and counts: never an id, a name, a path or anything a caller wrote.
 *
 * Each instance has a tracer of its own (several apps share a test process); only the context manager is global,
 * and it only carries the active span across `await`s. Off, the tracer is OpenTelemetry's no-op one.
 */
import {
  type Attributes,
  type Context,
  context,
  type Link,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

export interface TracingOptions {
  /** Where spans go: the OTLP/HTTP traces URL (`…/v1/traces`). */
  endpoint: string;
  serviceName: string;
  /** The share of new traces recorded (0 to 1); a caller's sampled flag decides for the traces it continues. */
  sampleRatio: number;
  instanceId: string;
  /** How long spans wait to be sent together, in ms. */
  flushIntervalMs?: number;
}

export interface Tracing {
  readonly tracer: Tracer;
  readonly enabled: boolean;
  /** Sends the spans that ended and are still waiting. */
  flush(): Promise<void>;
  /** Sends what is left and stops. */
  shutdown(): Promise<void>;
}

/** No endpoint: spans are OpenTelemetry's no-op ones, and cost a function call each. */
export const NO_TRACING: Tracing = {
  tracer: trace.getTracerProvider().getTracer('medchat'),
  enabled: false,
  flush: async () => {},
  shutdown: async () => {},
};

const propagator = new W3CTraceContextPropagator();
const recordGetter: TextMapGetter<Record<string, string | undefined>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};
const headersGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

let contextManagerReady: Promise<void> | null = null;

/** Carries the active span across `await`s (AsyncLocalStorage); registered once per process, on first use. */
function ensureContextManager() {
  contextManagerReady ??= import('@opentelemetry/context-async-hooks').then(({ AsyncLocalStorageContextManager }) => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  return contextManagerReady;
}

/** Starts a tracer that batches spans to the OTLP/HTTP endpoint. Loaded only when tracing is configured. */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  const [{ BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider }, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      ensureContextManager(),
    ]);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName, 'service.instance.id': options.instanceId }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
    spanProcessors: [
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: options.endpoint }), scheduledDelayMillis: options.flushIntervalMs ?? 5000 }),
    ],
  });
  return {
    tracer: provider.getTracer('medchat'),
    enabled: true,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** The trace a request continues: its `traceparent` header, if any. */
export function requestContext(headers: Headers): Context {
  return propagator.extract(ROOT_CONTEXT, headers, headersGetter);
}

/** Each traced request's span, until its answer names the route (`endRequestSpan`). */
const requestSpans = new WeakMap<Request, Span>();

/**
 * Runs the app's fetch handler for `request` inside a server span that continues the caller's `traceparent`. The
 * span is named once the route is known (`endRequestSpan`): until then only the method, never the path.
 */
export function traceRequest<T>(tracer: Tracer, request: Request, handle: () => T): T {
  const parent = requestContext(request.headers);
  const method = request.method;
  const span = tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } }, parent);
  requestSpans.set(request, span);
  return context.with(trace.setSpan(parent, span), handle);
}

/** Names and ends a request's span once it is answered: the route pattern, the status and the refusal's code. */
export function endRequestSpan(request: Request, method: string, route: string, status: number, code: string | undefined) {
  const span = requestSpans.get(request);
  if (!span) return;
  requestSpans.delete(request);
  span.updateName(`${method} ${route}`);
  span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
  if (code) span.setAttribute('error.type', code);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** The active span's `traceparent`, to carry on an event another instance will handle; undefined when not sampled. */
export function currentTraceparent(): string | undefined {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return undefined;
  const carrier: Record<string, string> = {};
  propagator.inject(context.active(), carrier, { set: (c, k, v) => void (c[k] = v) });
  return carrier.traceparent;
}

/** The trace an event from another instance continues (its `traceparent`), or a new one. */
export function traceparentContext(traceparent: string | undefined): Context {
  return traceparent ? propagator.extract(ROOT_CONTEXT, { traceparent }, recordGetter) : ROOT_CONTEXT;
}

/** The active span's context, to link a later span (a message batch) to it; undefined when not sampled. */
export function currentLink(): Link | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? { context: span.spanContext() } : undefined;
}

/**
 * Runs `fn` in a new active span and ends it when `fn` settles; a thrown error marks the span as failed (with the
 * error's name only: its message may quote what a caller wrote).
 */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; links?: Link[]; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.name });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

export { type Link, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode };
