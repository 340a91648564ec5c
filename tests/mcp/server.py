"""A small MCP server for custody's proxy tests (the Python SDK's MCPServer, formerly
FastMCP). Its tools are stand-ins: `echo` and `add` are harmless, `drop_table` is what
the config maps to T3, `export_orders` what the policy denies in production. Each returns
deterministic text so a result can be compared byte for byte."""

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel

server = MCPServer("custody-test-server")


@server.tool()
def echo(text: str) -> str:
    """Returns the text it was given."""
    return text


@server.tool()
def add(a: int, b: int) -> int:
    """Adds two integers."""
    return a + b


class Stats(BaseModel):
    zeta: int
    alpha: float
    mid: str


@server.tool()
def stats() -> Stats:
    """Counts, with keys in an order a re-serialising proxy would not keep."""
    return Stats(zeta=1, alpha=2.5, mid="\u00e9")


@server.tool()
def drop_table(table: str) -> str:
    """Drops a table (a stand-in: it only says so)."""
    return f"dropped {table}"


@server.tool()
def export_orders(bucket: str) -> str:
    """Exports the orders table (a stand-in)."""
    return f"exported to {bucket}"


@server.tool()
def fail(why: str) -> str:
    """Always fails, as a tool error."""
    raise ValueError(why)


@server.resource("notes://today")
def notes() -> str:
    """Today's notes."""
    return "nothing to report"


if __name__ == "__main__":
    server.run("stdio")
