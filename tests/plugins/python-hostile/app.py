"""A Python plugin that misbehaves on purpose, one way per `mode` in its
config: the sandbox must hold for a CPython guest as it does for Rust.

Modes: `ok` (reports the number of artifacts), `loop` (never returns),
`memory` (grows without bound), `read-outside` (tries to read and write
beyond the read-only bundle), `tcp` (tries to connect to 127.0.0.1:`port`).
Every attempt that the sandbox refuses is reported in the error text, and
every attempt that succeeds is reported in capitals, so a test can tell them
apart.
"""

import json

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports.types import (
    Artifact,
    ArtifactKind,
    Evaluation,
    Fact,
    FactSpec,
    FactType,
    FactValue_Long,
    Matcher_AnyText,
    Metadata,
)


def try_read(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return f"read {path}: READ {len(f.read())} bytes"
    except OSError as e:
        return f"read {path}: refused ({e.__class__.__name__})"


class Guest(exports.Guest):
    def describe(self) -> Metadata:
        return Metadata(
            name="pyhostile",
            version="0.0.1",
            description="misbehaves on purpose (Python)",
            reads=[ArtifactKind(name="anything", matchers=[Matcher_AnyText()])],
            facts=[FactSpec(name="count", type=FactType.LONG, doc="artifacts seen")],
        )

    def evaluate(self, artifacts: list[Artifact], config: str) -> Evaluation:
        settings = json.loads(config)
        mode = settings.get("mode", "ok")
        if mode == "ok":
            return Evaluation(
                facts=[Fact(name="count", value=FactValue_Long(len(artifacts)))],
                findings=[],
            )
        if mode == "loop":
            n = 0
            while True:
                n += 1
        if mode == "memory":
            hoard = []
            while True:
                hoard.append(bytearray(1 << 20))
        if mode == "read-outside":
            attempts = [
                try_read("/etc/hostname"),
                try_read("/bundle/../etc/hostname"),
                try_read("../etc/hostname"),
            ]
            try:
                with open("/bundle/planted.txt", "w") as f:
                    f.write("x")
                attempts.append("write /bundle/planted.txt: WRITTEN")
            except OSError as e:
                attempts.append(f"write /bundle/planted.txt: refused ({e.__class__.__name__})")
            raise Err("; ".join(attempts))
        if mode == "tcp":
            port = int(settings.get("port", 80))
            try:
                import socket

                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.connect(("127.0.0.1", port))
                raise Err("tcp connect: CONNECTED")
            except OSError as e:
                raise Err(f"tcp connect: refused ({e.__class__.__name__}: {e})")
            except ImportError as e:
                raise Err(f"tcp connect: refused (no socket module: {e})")
        raise Err(f"unknown mode {mode!r}")
