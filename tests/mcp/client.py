"""An MCP client on the real Python SDK, for custody's proxy tests. It starts the server
command given after `--` over stdio, initializes, and runs STEPS (a JSON list) in order,
printing one JSON line per step as soon as it is done (and a PROGRESS line for each
progress notification), so a test can act while a call is held.

Steps: {"list": true} | {"call": NAME, "args": {...}, "progress": bool} | {"ping": true}
       | {"read": URI}"""

import json
import os
import sys

import anyio
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError


def say(obj):
    print(json.dumps(obj), flush=True)


async def main():
    steps = json.loads(sys.argv[1])
    sep = sys.argv.index("--")
    command = sys.argv[sep + 1 :]
    # The SDK passes only a safe subset of the environment to the server; like an
    # `env` block in a client's config, pass on what the proxy needs (its token, config).
    keep = ("CUSTODY_TOKEN", "XDG_CONFIG_HOME", "XDG_DATA_HOME")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    params = StdioServerParameters(command=command[0], args=command[1:], env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            say({"step": "initialize", "server": init.server_info.name})
            for step in steps:
                if "list" in step:
                    tools = await session.list_tools()
                    say({"step": "list", "tools": sorted(t.name for t in tools.tools)})
                elif "ping" in step:
                    await session.send_ping()
                    say({"step": "ping"})
                elif "read" in step:
                    res = await session.read_resource(step["read"])
                    say({"step": "read", "text": res.contents[0].text})
                elif "call" in step:

                    async def progress(p, total, message):
                        say({"step": "PROGRESS", "progress": p, "message": message})

                    try:
                        res = await session.call_tool(
                            step["call"],
                            step.get("args", {}),
                            progress_callback=progress if step.get("progress") else None,
                        )
                    except MCPError as e:
                        say({"step": "call", "tool": step["call"], "error": e.error.code, "text": e.error.message})
                        continue
                    say(
                        {
                            "step": "call",
                            "tool": step["call"],
                            "is_error": bool(res.is_error),
                            "text": "\n".join(c.text for c in res.content if c.type == "text"),
                        }
                    )


anyio.run(main)
