"""Load for benches/otlp.sh: GenAI tool spans made with the real OpenTelemetry Python SDK
(each `execute_tool` span with arguments, a call id and a result, under an
`invoke_agent` span), encoded ONCE by the SDK's own OTLP protobuf encoder into bodies of
512 spans (the SDK's default export batch), then posted to `POST /v1/traces` by
CONNECTIONS threads. Only the posting is timed; prints spans sealed per second.

Usage: otlp_load.py BASE_URL TOKEN SPANS CONNECTIONS
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

BASE, TOKEN, SPANS, CONNECTIONS = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
BATCH = 512


def make_bodies():
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "bench-agent"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("custody.bench")
    made = 0
    while made < SPANS:
        with tracer.start_as_current_span("invoke_agent bench", attributes={
                "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "bench"}):
            for i in range(min(BATCH - 1, SPANS - made - 1) or 1):
                with tracer.start_as_current_span("execute_tool refund.create", attributes={
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "refund.create",
                    "gen_ai.tool.call.id": "call_%d" % (made + i),
                    "gen_ai.tool.call.arguments": json.dumps({"order": "A-%d" % (made + i), "amount_eur": 30}),
                    "gen_ai.request.model": "gpt-4o",
                    "gen_ai.provider.name": "openai",
                }) as span:
                    span.set_attribute("gen_ai.tool.call.result", '{"ok":true}')
        spans = memory.get_finished_spans()
        memory.clear()
        made += len(spans)
        yield encode_spans(spans).SerializeToString(), len(spans)


def main():
    started = time.perf_counter()
    bodies = list(make_bodies())
    made = sum(n for _, n in bodies)
    print("made %d spans in %d bodies of up to %d (%.1f s, not timed)"
          % (made, len(bodies), BATCH, time.perf_counter() - started), file=sys.stderr)
    url = urllib.parse.urlparse(BASE)
    queue = list(bodies)
    lock = threading.Lock()
    sealed, failures = [0], [0]

    def worker():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                body, _ = queue.pop()
            conn.request("POST", "/v1/traces", body=body, headers={
                "Authorization": "Bearer " + TOKEN, "Content-Type": "application/x-protobuf"})
            res = conn.getresponse()
            res.read()
            with lock:
                if res.status == 200:
                    sealed[0] += int(res.getheader("x-custody-sealed", "0"))
                else:
                    failures[0] += 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    print("otlp_ingest spans_sealed=%d seconds=%.2f spans_per_s=%.0f failed_requests=%d "
          "(bar: >= 20000 spans/s sealed on SQLite)" % (sealed[0], elapsed, sealed[0] / elapsed, failures[0]))


main()
