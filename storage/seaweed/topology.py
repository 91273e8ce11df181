"""Asking a running SeaweedFS about its volumes, and configuring it through ``weed shell``."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from storage.base import StorageError
from storage.seaweed.process import find_weed

_VOLUME_FILE = re.compile(r"(?:.+_)?(\d+)\.(dat|ecx)")  # <collection>_<id>.dat / <id>.ecx


@dataclass(frozen=True)
class MasterView:
    """What the master knows: volume ids, erasure-coded shards, volume servers."""

    volume_ids: set[int] = field(default_factory=set)
    ec_shards: int = 0
    nodes: int = 0


def local_volumes(data: Path) -> tuple[set[int], bool]:
    """Ids of the volume files in ``data``, and whether erasure-coded volumes exist."""
    ids: set[int] = set()
    erasure_coded = False
    for path in data.iterdir():
        match = _VOLUME_FILE.fullmatch(path.name)
        if match and match[2] == "dat":
            ids.add(int(match[1]))
        elif match:
            erasure_coded = True
    return ids, erasure_coded


def master_view(base: str) -> MasterView:
    """Read the master's status pages; an empty view until it answers."""
    try:
        with urllib.request.urlopen(f"{base}/vol/status", timeout=2) as response:
            status = json.load(response)
        with urllib.request.urlopen(f"{base}/dir/status", timeout=2) as response:
            topology = json.load(response)
    except (OSError, ValueError):
        return MasterView()
    racks = (status.get("Volumes") or {}).get("DataCenters") or {}
    ids = {
        int(volume["Id"])
        for rack in racks.values()
        for nodes in rack.values()
        for volumes in nodes.values()
        for volume in volumes or []
    }
    nodes = [
        node
        for dc in (topology.get("Topology") or {}).get("DataCenters") or []
        for rack in dc.get("Racks") or []
        for node in rack.get("DataNodes") or []
    ]
    return MasterView(ids, sum(int(node.get("EcShards", 0)) for node in nodes), len(nodes))


def weed_shell(master: str, filer: str, script: str, *, cwd: Path, timeout: float) -> str:
    """Run ``script`` in ``weed shell`` (cwd holds security.toml) and return its output."""
    cmd = [str(find_weed()), "shell", f"-master={master}", f"-filer={filer}"]
    try:
        result = subprocess.run(cmd, input=script.encode(), capture_output=True, cwd=cwd,
                                timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise StorageError(f"weed shell 超时：{exc}") from exc
    return (result.stdout + result.stderr).decode("utf-8", "replace")


def configure_fsync(*, master: str, filer: str, prefix: str, cwd: Path, timeout: float) -> str:
    """``fs.configure`` ``prefix`` with fsync=true; return the shell's output for the log."""
    script = f"fs.configure -locationPrefix={prefix} -fsync=true -apply\n"
    output = weed_shell(master, filer, script, cwd=cwd, timeout=timeout)
    if not fsync_applied(output, prefix):
        raise StorageError(f"无法为 {prefix} 开启 fsync（weed shell 输出）：\n{output[-2000:]}")
    return f"weed shell: {script}{output}"


def fsync_applied(shell_output: str, prefix: str) -> bool:
    """True if the filer configuration printed by fs.configure has fsync on for prefix."""
    start = shell_output.find("{")
    try:
        conf, _ = json.JSONDecoder().raw_decode(shell_output[start:])
    except ValueError:
        return False
    return any(loc.get("locationPrefix") == prefix and loc.get("fsync") is True for loc in conf.get("locations", []))
