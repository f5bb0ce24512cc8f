/** One traced request: the span's W3C `traceparent` (for upstreams) and its end. */
export interface RequestSpan {
  /** `00-<trace id>-<span id>-<flags>`: what an upstream call made within this request carries */
  readonly traceparent: string | undefined;
  readonly tracestate: string | undefined;
  /** adds attributes learned while serving (the MCP method and tool) */
  set(attributes: Record<string, string | number | boolean>): void;
  end(status: number): void;
}

/** Spans per request, exported over OTLP; a no-op when tracing is off (the hot path pays one check). */
export interface Tracing {
  readonly enabled: boolean;
  /** A server span, the child of the caller's `traceparent` when it sent one. */
  start(
    name: string,
    carrier: { traceparent?: string | undefined; tracestate?: string | undefined },
    attributes: Record<string, string | number | boolean>,
  ): RequestSpan;
  /** Exports what is buffered (at shutdown). */
  shutdown(): Promise<void>;
}

const NO_SPAN: RequestSpan = { traceparent: undefined, tracestate: undefined, set() {}, end() {} };

export const noTracing: Tracing = {
  enabled: false,
  start: () => NO_SPAN,
  shutdown: async () => {},
};

export interface TracingOptions {
  /** OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces */
  endpoint: string;
  serviceName: string;
  /** the share of traces without a sampled parent that are recorded, 0..1 */
  sampleRatio: number;
}

/**
 * OpenTelemetry traces (OTLP over HTTP, JSON). The SDK is loaded only when tracing is on. W3C trace
 * context: a caller's `traceparent` makes Gatehouse's span its child; the proxy hands this span's
 * `traceparent` to the upstream (header and MCP `_meta`), so one trace runs client → Gatehouse → server.
 */
export async function createTracing(options: TracingOptions): Promise<Tracing> {
  const [api, core, base, exporterModule, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const provider = new base.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': options.serviceName }),
    sampler: new base.ParentBasedSampler({ root: new base.TraceIdRatioBasedSampler(options.sampleRatio) }),
    spanProcessors: [
      new base.BatchSpanProcessor(new exporterModule.OTLPTraceExporter({ url: options.endpoint }), {
        scheduledDelayMillis: 1000,
      }),
    ],
  });
  const tracer = provider.getTracer('gatehouse');
  const propagator = new core.W3CTraceContextPropagator();
  const getter = api.defaultTextMapGetter;
  const setter = api.defaultTextMapSetter;

  return {
    enabled: true,
    start(name, carrier, attributes) {
      const parent = propagator.extract(api.ROOT_CONTEXT, carrier, getter);
      const span = tracer.startSpan(name, { kind: api.SpanKind.SERVER, attributes }, parent);
      const outgoing: Record<string, string> = {};
      propagator.inject(api.trace.setSpan(parent, span), outgoing, setter);
      return {
        traceparent: outgoing.traceparent,
        tracestate: outgoing.tracestate,
        set: (more) => span.setAttributes(more),
        end(status) {
          span.setAttribute('http.response.status_code', status);
          if (status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
    shutdown: () => provider.shutdown(),
  };
}
