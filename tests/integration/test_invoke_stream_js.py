"""The AWS SDK for JavaScript v3 reads an InvokeWithResponseStream answer from the server:
its event-stream decoder (@smithy/eventstream-codec) gets the chunks as they are produced and
the InvokeComplete event, on success and on a function error mid-stream."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_invoke_stream import (
    NODE_STREAMING,
    PAUSE_S,
    PIECE_BYTES,
    PIECES,
    create,
)
from tests.support.js_sdk import js_sdk_dir
from tests.support.packages import make_zip
from tests.support.server import RunningServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCRIPT = r"""
const { LambdaClient, InvokeWithResponseStreamCommand } = require("@aws-sdk/client-lambda");

async function main() {
  const [endpoint, region, accessKeyId, secretAccessKey, name, pieceBytes] = process.argv.slice(1);
  const client = new LambdaClient({
    endpoint, region, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1,
  });
  const reply = await client.send(new InvokeWithResponseStreamCommand({
    FunctionName: name, Payload: Buffer.from("{}"), LogType: "Tail",
  }));
  const out = { status: reply.StatusCode, version: reply.ExecutedVersion };
  out.chunks = [];
  out.complete = null;
  const parts = [];
  for await (const event of reply.EventStream) {
    const at = Date.now() / 1000;
    if (event.PayloadChunk) {
      const data = Buffer.from(event.PayloadChunk.Payload);
      parts.push(data);
      out.chunks.push({ at, size: data.length, text: data.length < 100 ? data.toString() : null });
    } else if (event.InvokeComplete) {
      out.complete = Object.assign({ at }, event.InvokeComplete);
    }
  }
  // Each piece of the streaming function: when it was produced (20 bytes), then its filler.
  const body = Buffer.concat(parts);
  const size = Number(pieceBytes);
  out.produced = [];
  out.fillers = [];
  for (let i = 0; i + size <= body.length; i += size) {
    out.produced.push(Number(body.subarray(i, i + 20).toString()));
    const filler = body.subarray(i + 20, i + size);
    out.fillers.push(filler.every((b) => b === filler[0]) ? filler[0] : -1);
  }
  console.log(JSON.stringify(out));
}
main().catch((e) => { console.error(e.name + ": " + e.message); process.exit(1); });
"""


@pytest.fixture(scope="module")
def sdk() -> Path:
    found = js_sdk_dir()
    if found is None:
        pytest.skip("node and npm are needed for the JavaScript SDK tests")
    return found


def run_node(server: RunningServer, sdk: Path, name: str) -> Any:
    """The script's summary of one InvokeWithResponseStream call (arrival times in epoch s)."""
    key, secret = server.credentials()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["NODE_PATH"] = str(sdk / "node_modules")
    if server.ca_bundle:
        env["NODE_EXTRA_CA_CERTS"] = server.ca_bundle
    done = subprocess.run(
        ["node", "-e", SCRIPT, "--", server.url, server.region, key, secret, name,
         str(PIECE_BYTES)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_js_sdk_reads_a_streamed_response_as_it_comes(server: RunningServer, sdk: Path) -> None:
    name = create(server, make_zip({"index.js": NODE_STREAMING}), "nodejs20.x", "index.handler")
    out = run_node(server, sdk, name)
    assert out["status"] == 200
    assert out["version"] == "$LATEST"
    chunks = out["chunks"]
    assert sum(c["size"] for c in chunks) == PIECES * PIECE_BYTES
    assert len(chunks) >= PIECES
    assert out["fillers"] == [65 + i for i in range(PIECES)]
    assert out["complete"] is not None
    assert "ErrorCode" not in out["complete"]
    # The first chunk arrived well before the function produced its last piece.
    assert chunks[0]["at"] < out["produced"][-1] - (PIECES - 1) * PAUSE_S * 0.5


def test_js_sdk_reads_an_error_mid_stream(server: RunningServer, sdk: Path) -> None:
    name = create(server, make_zip({"index.js": NODE_STREAMING}), "nodejs20.x", "index.failing")
    out = run_node(server, sdk, name)
    assert "".join(c["text"] for c in out["chunks"]) == "first part, "
    assert out["complete"]["ErrorCode"] == "TypeError"
    assert json.loads(out["complete"]["ErrorDetails"])["errorMessage"] == (
        "broke after the first part"
    )
    assert out["complete"]["LogResult"]
