#!/usr/bin/python3
"""The Debian package, built from an existing build tree and checked as a user would get it:

  1. `cpack -G DEB` in the build directory (the `tessera` target must be built), into a scratch
     directory;
  2. its metadata (`dpkg-deb -I`): name, the project's version, Depends naming the Debian
     libraries the binary links (computed by dpkg-shlibdeps), the conffile;
  3. its files, unpacked with `dpkg-deb -x` into a scratch root: binary, every public header,
     unit, configuration, docs at their Debian paths;
  4. the unpacked binary: `--version` is the project's; the packaged configuration loads as it is
     and with each commented-out example key enabled; its data_dir is the unit's StateDirectory;
  5. the unit: ExecStart runs the packaged binary on the packaged configuration, the hardening
     is there, and `systemd-analyze verify` finds nothing to say (on a copy whose ExecStart
     names the unpacked binary, since verify wants the command to exist);
  6. `usr/bin/tessera serve` on the packaged configuration with a scratch data dir and an
     ephemeral loopback port: GET /healthz answers 200, master.key appears (0600) in the data
     dir; stopped by PID with SIGTERM, it exits 0.
Everything lives in one temporary directory, removed at the end; the server is stopped by PID.

Usage: deb_package.py --build-dir DIR --source-dir DIR --version X.Y.Z
"""
import argparse
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
from tessera_server import Checks, Server  # noqa: E402 (`tessera serve` on port 0, stopped by PID)

CONFIG = "etc/tessera/tessera.toml"
UNIT = "lib/systemd/system/tessera.service"
BINARY = "usr/bin/tessera"
# Debian package name prefixes of libraries the binary links, one per dependency family.
LIBRARIES = ["libc6", "libstdc++6", "libsqlite3-", "libpq", "libssl", "libsodium", "libcurl",
             "libzxcvbn", "libicu", "libhiredis", "liboath", "libqrencode", "libcbor"]
HARDENING = ["DynamicUser=yes", "ProtectSystem=strict", "StateDirectory=tessera", "ProtectHome=yes",
             "PrivateTmp=yes", "NoNewPrivileges=yes", "CapabilityBoundingSet=",
             "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SystemCallFilter=@system-service",
             "MemoryDenyWriteExecute=yes", "LockPersonality=yes"]


def run(args, timeout=300):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


def build_package(checks, build_dir, out):
    """The .deb's path, or None."""
    r = run(["cpack", "-G", "DEB", "--config", os.path.join(build_dir, "CPackConfig.cmake"),
             "-B", out])
    debs = [f for f in os.listdir(out) if f.endswith(".deb")] if r.returncode == 0 else []
    checks.check("cpack builds one .deb", len(debs) == 1, r.stdout + r.stderr)
    return os.path.join(out, debs[0]) if len(debs) == 1 else None


def control_fields(text):
    """`dpkg-deb -f` output as {field: value} (continuation lines joined)."""
    fields, key = {}, None
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and key:
            fields[key] += "\n" + line.strip()
        elif ":" in line:
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    return fields


def check_metadata(checks, deb, version):
    fields = control_fields(run(["dpkg-deb", "-f", deb]).stdout)
    checks.check("Package is tessera", fields.get("Package") == "tessera", fields)
    checks.check("Version is the project's", fields.get("Version") == version, fields.get("Version"))
    checks.check("Maintainer set", "@" in fields.get("Maintainer", ""), fields.get("Maintainer"))
    depends = [d.strip().split(" ")[0] for d in fields.get("Depends", "").split(",")]
    for lib in LIBRARIES:
        checks.check(f"Depends names {lib}*", any(d.startswith(lib) for d in depends), depends)
    conffiles = run(["dpkg-deb", "-I", deb, "conffiles"]).stdout.split()
    checks.check("conffiles lists the configuration", conffiles == ["/" + CONFIG], conffiles)
    for script in ("postinst", "prerm", "postrm"):
        r = run(["dpkg-deb", "-I", deb, script])
        checks.check(f"{script} is a shell script", r.stdout.startswith("#!/bin/sh"), r.stderr)


def check_files(checks, root, source_dir):
    headers = sorted(os.listdir(os.path.join(source_dir, "include", "tessera")))
    installed = sorted(os.listdir(os.path.join(root, "usr/include/tessera")))
    checks.check("every public header installed", headers == installed, (headers, installed))
    mode = os.stat(os.path.join(root, BINARY)).st_mode
    checks.check("binary executable", stat.S_ISREG(mode) and mode & 0o111, oct(mode))
    for path in (UNIT, CONFIG, "usr/share/doc/tessera/packaging.md",
                 "usr/share/doc/tessera/examples/tessera.toml"):
        checks.check(f"/{path} present", os.path.isfile(os.path.join(root, path)))


def config_loads(tessera, path):
    """(loaded, `config print` output or the error)."""
    r = run([tessera, "config", "print", "--config", path], timeout=60)
    return r.returncode == 0, r.stdout if r.returncode == 0 else r.stderr


def check_config(checks, tessera, root, work):
    path = os.path.join(root, CONFIG)
    ok, printed = config_loads(tessera, path)
    checks.check("packaged configuration loads", ok, printed)
    checks.check("data_dir is the unit's StateDirectory",
                 'data_dir = "/var/lib/tessera"' in printed, printed)
    with open(path) as f:
        text = f.read()
    # "# key = value" and "# [section]" lines are the examples a reader would enable.
    enabled = re.sub(r"^# (\[\w+\]|\w+ = )", r"\1", text, flags=re.M)
    checks.check("the file has commented-out examples", enabled != text)
    enabled_path = os.path.join(work, "enabled.toml")
    with open(enabled_path, "w") as f:
        f.write(enabled)
    ok, printed = config_loads(tessera, enabled_path)
    checks.check("each commented-out example, enabled, loads", ok, printed)


def check_unit(checks, root, work):
    with open(os.path.join(root, UNIT)) as f:
        unit = f.read()
    lines = set(unit.splitlines())
    checks.check("ExecStart runs the packaged binary on the packaged configuration",
                 f"ExecStart=/{BINARY} serve --config /{CONFIG}" in lines, unit)
    for directive in HARDENING:
        checks.check(f"unit has {directive}", directive in lines)
    if not checks.check("systemd-analyze available (package systemd)", shutil.which("systemd-analyze")):
        return
    copy = os.path.join(work, "tessera.service")
    with open(copy, "w") as f:
        f.write(unit.replace(f"ExecStart=/{BINARY} ", f"ExecStart={os.path.join(root, BINARY)} "))
    r = run(["systemd-analyze", "verify", copy], timeout=60)
    checks.check("systemd-analyze verify: no finding", r.returncode == 0 and not (r.stdout + r.stderr).strip(),
                 r.stdout + r.stderr)


def check_serve(checks, tessera, root, work):
    data = os.path.join(work, "data")
    server = Server(tessera, data, args=["--config", os.path.join(root, CONFIG)])
    try:
        with urllib.request.urlopen(server.base + "/healthz", timeout=30) as r:
            status, body = r.status, json.load(r)
        checks.check("GET /healthz is 200 ok", status == 200 and body == {"status": "ok"}, (status, body))
        key = os.path.join(data, "master.key")
        checks.check("master.key created 0600 in the data dir",
                     os.path.isfile(key) and stat.S_IMODE(os.stat(key).st_mode) == 0o600)
    finally:
        server.stop()
    checks.check("SIGTERM: exit 0", server.proc.returncode == 0, server.proc.returncode)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--version", required=True)
    a = ap.parse_args()
    checks = Checks()
    with tempfile.TemporaryDirectory(prefix="tessera-deb-") as work:
        deb = build_package(checks, a.build_dir, os.path.join(work, "out"))
        if deb:
            check_metadata(checks, deb, a.version)
            root = os.path.join(work, "root")
            r = run(["dpkg-deb", "-x", deb, root])
            if checks.check("dpkg-deb -x unpacks it", r.returncode == 0, r.stderr):
                tessera = os.path.join(root, BINARY)
                check_files(checks, root, a.source_dir)
                r = run([tessera, "--version"], timeout=60)
                checks.check("--version is the project's", r.stdout.strip() == f"tessera {a.version}",
                             r.stdout + r.stderr)
                check_config(checks, tessera, root, work)
                check_unit(checks, root, work)
                check_serve(checks, tessera, root, work)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
