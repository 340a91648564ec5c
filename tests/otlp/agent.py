"""An instrumented agent, as the OpenTelemetry GenAI conventions describe one, exporting
to custody with the real OpenTelemetry Python SDK.

Usage: agent.py BASE_URL MODE
  MODE protobuf       the SDK's OTLP/HTTP protobuf exporter (gzip), exporting twice
                      (a retry: custody must store each span once)
  MODE json-hex       OTLP JSON as the OTLP/HTTP spec writes it (hex ids, enum numbers)
  MODE json-base64    protobuf's own JSON mapping of the SDK's encoded request (base64
                      ids, enum names), as some exporters send it
  MODE logs           GenAI events as log records, through the SDK's OTLP log exporter
The agent token is read from CUSTODY_TOKEN. Prints one JSON line: the trace id (hex)
and what the exports answered.
"""
import base64
import json
import os
import sys
import urllib.request

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode
from google.protobuf.json_format import MessageToDict

BASE, MODE = sys.argv[1], sys.argv[2]
TOKEN = os.environ["CUSTODY_TOKEN"]
AUTH = {"Authorization": "Bearer " + TOKEN}
RESOURCE = Resource.create({"service.name": "support-bot", "service.version": "1.4.2",
                            "deployment.environment.name": "prod"})


def agent_run(tracer):
    """One turn: the agent is invoked, asks the model, and calls three tools."""
    with tracer.start_as_current_span("invoke_agent support", kind=SpanKind.INTERNAL, attributes={
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "support",
        "gen_ai.provider.name": "openai",
        "gen_ai.conversation.id": "conv-" + MODE,
    }):
        with tracer.start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT, attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.request.temperature": 0.2,
            "gen_ai.response.model": "gpt-4o-2024-08-06",
            "gen_ai.usage.input_tokens": 812,
            "gen_ai.usage.output_tokens": 64,
            "gen_ai.response.finish_reasons": ["tool_calls"],
        }):
            pass
        with tracer.start_as_current_span("execute_tool refund.create", kind=SpanKind.INTERNAL, attributes={
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "refund.create",
            "gen_ai.tool.type": "function",
            "gen_ai.tool.call.id": "call_refund_1",
            "gen_ai.tool.call.arguments": json.dumps({"order": "A-1042", "amount_eur": 30}),
        }) as span:
            span.set_attribute("gen_ai.tool.call.result", json.dumps({"refund_id": "re_77"}))
        with tracer.start_as_current_span("execute_tool shell.exec", attributes={
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "shell.exec",
            "gen_ai.tool.call.arguments": json.dumps({"cmd": "ls /srv"}),
        }) as span:
            span.set_attribute("error.type", "PermissionError")
            span.set_status(Status(StatusCode.ERROR, "permission denied"))
        # The older attribute names: gen_ai.system for the provider, no operation name.
        with tracer.start_as_current_span("execute_tool db.query", attributes={
            "gen_ai.tool.name": "db.query",
            "gen_ai.system": "anthropic",
            "gen_ai.request.model": "claude-3-5-sonnet",
        }):
            pass
        # A span naming another agent (refused), and an HTTP span that is not GenAI.
        with tracer.start_as_current_span("execute_tool wire.transfer", attributes={
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "wire.transfer",
            "gen_ai.agent.id": "mallory",
        }):
            pass
        with tracer.start_as_current_span("GET /healthz", kind=SpanKind.CLIENT,
                                          attributes={"http.request.method": "GET"}):
            pass


def spans():
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=RESOURCE)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    agent_run(provider.get_tracer("custody.tests.agent", "0.1"))
    finished = memory.get_finished_spans()
    return finished, format(finished[0].context.trace_id, "032x")


def post_json(body):
    req = urllib.request.Request(BASE + "/v1/traces", data=json.dumps(body).encode(),
                                 headers={**AUTH, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as res:
        return res.status, json.loads(res.read() or b"{}")


def b64_to_hex(value):
    return base64.b64decode(value).hex()


def main():
    if MODE == "logs":
        return logs()
    finished, trace = spans()
    out = {"trace_id": trace}
    if MODE == "protobuf":
        exporter = OTLPSpanExporter(endpoint=BASE + "/v1/traces", headers=AUTH,
                                    compression=Compression.Gzip)
        out["results"] = [exporter.export(finished).name, exporter.export(finished).name]
    else:
        body = MessageToDict(encode_spans(finished))
        if MODE == "json-hex":
            for rs in body["resourceSpans"]:
                for ss in rs["scopeSpans"]:
                    for s in ss["spans"]:
                        for key in ("traceId", "spanId", "parentSpanId"):
                            if key in s:
                                s[key] = b64_to_hex(s[key])
                        s["kind"] = {"SPAN_KIND_INTERNAL": 1, "SPAN_KIND_CLIENT": 3}.get(s.get("kind"), 0)
                        if "status" in s and "code" in s["status"]:
                            s["status"]["code"] = 2
        out["status"], out["answer"] = post_json(body)
    print(json.dumps(out))


def logs():
    from opentelemetry._logs import LogRecord
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor

    provider = LoggerProvider(resource=RESOURCE)
    provider.add_log_record_processor(SimpleLogRecordProcessor(
        OTLPLogExporter(endpoint=BASE + "/v1/logs", headers=AUTH)))
    logger = provider.get_logger("custody.tests.agent")
    logger.emit(LogRecord(
        event_name="gen_ai.client.inference.operation.details",
        body={"gen_ai.output.messages": [{"role": "assistant", "parts": [
            {"type": "tool_call", "name": "refund.create", "id": "call_refund_1"}]}]},
        attributes={"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
                    "gen_ai.provider.name": "openai"}))
    logger.emit(LogRecord(body="service started", attributes={"app.phase": "boot"}))
    provider.shutdown()
    print(json.dumps({"emitted": 2}))


main()
