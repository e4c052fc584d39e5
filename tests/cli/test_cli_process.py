"""The CLI as users run it: real processes of the console script and ``python -m``, and light imports."""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import BROKEN, CLEAN, write

import sopframe
from sopframe.testing.store_contract import _TINY_TEMPLATE

#: never imported just to print the version
HEAVY = ("networkx", "jsonschema", "strictyaml", "ruamel", "pluggy", "sopframe.core", "sopframe.pluginmanager",
         "sopframe.commands", "sopframe.formats", "sopframe.config", "importlib.metadata", "tomllib")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOPFRAME_")}
    env.update(NO_COLOR="1", **extra)
    env.pop("GITHUB_ACTIONS", None)
    return env


def _script() -> str:
    for candidate in (Path(sys.executable).parent / "sopframe", Path(sys.executable).parent / "sopframe.exe"):
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("sopframe")
    if found is None:
        pytest.skip("the sopframe console script is not installed beside this Python")
    return found


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=_env(**env), capture_output=True, text=True, timeout=60)


_DUMP = "import json, sys; sys.stderr.write('\\n' + json.dumps(sorted(sys.modules)))"


@functools.lru_cache(maxsize=1)
def _baseline() -> frozenset[str]:
    """Modules a fresh interpreter holds once started (site, .pth files)."""
    base = subprocess.run([sys.executable, "-c", _DUMP], env=_env(), capture_output=True, text=True, timeout=60)
    return frozenset(json.loads(base.stderr.splitlines()[-1]))


def _modules_after(code: str, cwd: Path | None = None) -> set[str]:
    """Modules a fresh interpreter holds after ``code``, minus those it holds after starting."""
    after = subprocess.run([sys.executable, "-c", f"{code}\n{_DUMP}"], env=_env(), capture_output=True,
                           text=True, timeout=60, cwd=cwd)
    assert after.returncode == 0, after.stderr
    return set(json.loads(after.stderr.splitlines()[-1])) - _baseline()


def _heavy(modules: set[str], heavy: tuple[str, ...] = HEAVY) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in heavy))


#: ``--help`` lists plugins' commands, so it loads plugins; never what validating templates needs
HELP_HEAVY = ("networkx", "jsonschema", "strictyaml", "ruamel", "yaml", "sopframe.core.validate",
              "sopframe.core.builder")


@pytest.mark.parametrize("option", ["--version", "--help"])
def test_version_and_help_import_nothing_heavy(option: str) -> None:
    """The one import budget: the two things people run to see whether sopframe is there."""
    code = ("from sopframe.__main__ import main\n"
            f"try:\n    main([{option!r}])\nexcept SystemExit as exc:\n    assert exc.code in (0, None), exc.code")
    new = _modules_after(code)
    assert "click" in new  # the probe really ran the CLI
    assert _heavy(new, HEAVY if option == "--version" else HELP_HEAVY) == []


def test_public_api_loads_on_use() -> None:
    new = _modules_after("import sopframe\nsopframe.Finding\nsopframe.load_template")
    assert "sopframe.core.diagnostics" in new and "sopframe.api" in new


def test_console_script_validates(tmp_path: Path) -> None:
    write(tmp_path, "t/broken.yaml", BROKEN)
    write(tmp_path, "t/clean.yaml", CLEAN)
    r = _run([_script(), "validate", "t"], tmp_path)
    assert r.returncode == 1, r.stderr
    first = r.stdout.splitlines()[0]
    assert first.startswith(f"{Path('t/broken.yaml')}:9:12: error SOP107 [undefined-role] ")
    assert r.stdout.splitlines()[-1] == "3 errors in 2 files"
    assert "\x1b[" not in r.stdout


def test_console_script_usage_error_has_no_traceback(tmp_path: Path) -> None:
    r = _run([_script(), "explain", "dag-cylce"], tmp_path)
    assert r.returncode == 2
    assert "(did you mean 'dag-cycle'?)" in r.stderr and "Traceback" not in r.stderr


def test_python_dash_m(tmp_path: Path) -> None:
    r = _run([sys.executable, "-m", "sopframe", "--version"], tmp_path)
    assert (r.returncode, r.stdout) == (0, f"sopframe {sopframe.__version__}\n")
    write(tmp_path, "clean.yaml", CLEAN)
    r = _run([sys.executable, "-m", "sopframe", "validate", "clean.yaml"], tmp_path)
    assert (r.returncode, r.stdout.strip()) == (0, "no problems in 1 file")


def test_internal_error_in_a_real_process(tmp_path: Path) -> None:
    write(tmp_path, "clean.yaml", CLEAN)
    code = ("import sopframe.core.validate as v\n"
            "def boom(*a, **k):\n    raise KeyError('lost')\n"
            "v.validate_text = boom\n"
            "from sopframe.cli import main\nmain(['validate', 'clean.yaml'])")
    r = _run([sys.executable, "-c", code], tmp_path)
    assert r.returncode == 3
    assert "internal error: KeyError: 'lost'" in r.stderr and "SOPFRAME_DEBUG=1" in r.stderr
    assert "Traceback" not in r.stderr
    r = _run([sys.executable, "-c", code], tmp_path, SOPFRAME_DEBUG="1")
    assert r.returncode != 0 and "Traceback" in r.stderr


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
@pytest.mark.parametrize(("no_color", "coloured"), [(None, True), ("1", False)])
def test_colour_on_a_real_terminal(tmp_path: Path, no_color: str | None, coloured: bool) -> None:
    write(tmp_path, "broken.yaml", BROKEN)
    env = _env()
    env.pop("NO_COLOR")
    if no_color is not None:
        env["NO_COLOR"] = no_color
    leader, follower = os.openpty()
    try:
        proc = subprocess.run([_script(), "validate", "broken.yaml"], cwd=tmp_path, env=env, stdout=follower,
                              stderr=subprocess.PIPE, timeout=60)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal is closed once everything is read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    out = b"".join(chunks).decode()
    assert proc.returncode == 1
    assert "broken.yaml" in out
    assert ("\x1b[" in out) is coloured


@pytest.mark.parametrize("cached", [True, False], ids=["answered-from-cache", "cold"])
def test_a_reader_that_goes_away_is_not_a_traceback(tmp_path: Path, cached: bool) -> None:
    write(tmp_path, "t/broken.yaml", BROKEN)
    env = {} if cached else {"SOPFRAME_CACHE_DIR": str(tmp_path / "fresh-cache-each-run")}
    _run([_script(), "validate", "t"], tmp_path, **env)  # fills the cache
    read, written = os.pipe()
    os.close(read)  # like `| head` that has already exited
    try:
        proc = subprocess.run([_script(), "validate", "t"], cwd=tmp_path, env=_env(**env), stdout=written,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(written)
    assert proc.returncode == 141  # as a shell reports a process SIGPIPE stopped: not 1, "findings"
    assert proc.stderr == ""


@pytest.mark.parametrize("args", [["rules"], ["--version"], ["--help"], ["job", "--help"]])
def test_output_closed_early_exits_141_without_a_note(tmp_path: Path, args: list[str]) -> None:
    """`sopframe rules | head -1`: exit 1 would say findings or a refused job command; nothing on stderr."""
    read, written = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run([_script(), *args], cwd=tmp_path, env=_env(), stdout=written, stderr=subprocess.PIPE,
                              text=True, timeout=60)
    finally:
        os.close(written)
    assert (proc.returncode, proc.stderr) == (141, "")


#: what a job command on a started job must not import: the validator's machinery, the compliance plugins,
#: importlib.metadata (the entry points are remembered in the cache directory) and, with no [notify]
#: configuration, the notification settings
JOB_HEAVY = ("networkx", "jsonschema", "strictyaml", "ruamel", "yaml", "sopframe.core.validate",
             "sopframe.core.builder", "sopframe.core.yamlsource", "sopframe_plugins.compliance",
             "sopframe_plugins.bundled_templates", "importlib.metadata", "email", "zipfile",
             "sopframe.notifyconfig",
             # the store plugins and the engine import their row classes on use: no accounts, migration steps,
             # memory store, findings or rules, job checks, notifications, documents or SOP-lifecycle records
             "sopframe.core.accounts", "sopframe.core.migrations", "sopframe_plugins.store_memory_backend",
             "sopframe.core.diagnostics", "sopframe.core.rules.plugin_problems", "sopframe.core.jobcheck",
             "sopframe.core.notify", "sopframe.core.engine.documents", "sopframe.core.records",
             # job attachment's module: imported when that command is named
             "sopframe.commands.jobfiles",
             # imported on first use: numbers (the template has no number field), month arithmetic (no SLA in
             # months), CSV items (none entered)
             "decimal", "calendar", "csv")

#: what a command that only reads a job does not import: nothing an append writes (read-model rows, ledger entries,
#: the role record, open sign-offs)
READ_HEAVY = ("sopframe.core.readmodel", "sopframe.core.ledger", "sopframe.core.rolerecord", "sopframe.core.pending")

#: ``job list`` reads the read models alone: no engine, no template model, nothing an append writes
LIST_HEAVY = ("sopframe.core.engine.engine", "sopframe.core.engine.state", "sopframe.core.model",
              "sopframe.core.compiled", "sopframe.core.graph", "sopframe.core.ledger", "sopframe.core.rolerecord",
              "sopframe.reports", "sopframe.services.reports")


#: a sign-off kept from the writer: completing and signing ask which stage's field is visible (dominators)
SIGNED_TEMPLATE = (_TINY_TEMPLATE
                   .replace("      count:\n        type: integer\n        min: 1\n",
                            "      writer:\n        type: user\n        role: author\n        required: yes\n")
                   .replace("        role: lead\n", "        role: lead\n        not_by: writer\n"))


def test_job_commands_load_only_what_they_need(tmp_path: Path) -> None:
    """After the first command has written the plugin index and the compiled template (the cache
    directory), a job command imports the store backends, not every plugin, and parses no YAML."""
    (tmp_path / "sopframe.toml").write_text('[roles]\nauthor = ["alice"]\nlead = ["lee"]\n', "utf-8")
    (tmp_path / "tiny.yaml").write_text(SIGNED_TEMPLATE, "utf-8")

    def run(*args: str) -> set[str]:
        argv = [*args, "--store", "sqlite:///jobs.db"]
        code = ("from sopframe.__main__ import main\n"
                f"try:\n    main({argv!r})\nexcept SystemExit as exc:\n    assert exc.code in (0, None), exc.code")
        return _modules_after(code, cwd=tmp_path)

    first = run("job", "start", "tiny.yaml", "--as", "alice")
    assert "sopframe.core.validate" in first  # starting validates the template: everything loads
    for args in (("job", "show", "TINY-001"), ("job", "set", "TINY-001", "summary=ok", "writer=alice", "--as", "alice"),
                 ("job", "complete", "TINY-001", "--as", "alice"), ("job", "sign", "TINY-001", "lead", "--as", "lee"),
                 ("job", "list", "--limit", "50"), ("job", "history", "TINY-001"), ("inbox", "--as", "alice")):
        new = run(*args)
        assert "sopframe_plugins.store_sqlite" in new, args  # the probe really ran the command
        assert _heavy(new, JOB_HEAVY) == [], args
        # each job command's module is imported when the command is named
        assert ("sopframe.commands.joblist" in new) == (args[1] == "list"), args
        assert ("sopframe.commands.jobsteps" in new) == (args[1] in ("set", "complete", "sign")), args
        assert ("sopframe.commands.jobshow" in new) == (args[1] in ("show", "history")), args
        if args[1] in ("show", "history"):
            assert "sopframe.core.engine.engine" in new and _heavy(new, READ_HEAVY) == [], args
        elif args[1] == "list":
            assert "sopframe.core.readmodel" in new and _heavy(new, LIST_HEAVY) == [], args


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([_script(), "serve", *args, "--store", f"sqlite:///{tmp_path / 's.db'}"],
                            cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _until_listening(proc: subprocess.Popen[str], port: int) -> None:
    for _ in range(600):  # until it listens (uvicorn has taken over Ctrl-C by then)
        assert proc.poll() is None, proc.communicate()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("sopframe serve did not listen within a minute")


def _stopped(proc: subprocess.Popen[str], signum: int = signal.SIGINT) -> str:
    try:
        proc.send_signal(signum)
        return proc.communicate(timeout=60)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_stops_serve_with_exit_130(tmp_path: Path, workers: int) -> None:
    """uvicorn shuts down gracefully on SIGINT and returns normally (its supervisor of several workers too): the
    command still exits 130, as every interrupted command does, with no traceback."""
    pytest.importorskip("uvicorn")
    port = _free_port()
    proc = _serve(tmp_path, "--port", str(port), "--workers", str(workers))
    _until_listening(proc, port)
    err = _stopped(proc)
    assert proc.returncode == 130, err
    assert "Traceback" not in err


def test_serve_on_port_0_announces_the_port_it_listens_on(tmp_path: Path) -> None:
    pytest.importorskip("uvicorn")
    import http.client
    import re
    import selectors

    proc = _serve(tmp_path, "--port", "0")
    try:
        assert proc.stderr is not None
        picker = selectors.DefaultSelector()
        picker.register(proc.stderr, selectors.EVENT_READ)
        said = ""
        deadline = time.monotonic() + 60
        while "sopframe serve on" not in said and time.monotonic() < deadline and proc.poll() is None:
            if picker.select(timeout=1):
                said += proc.stderr.readline()
        announced = re.search(r"sopframe serve on http://127\.0\.0\.1:(\d+) ", said)
        assert announced is not None, said
        port = int(announced.group(1))
        assert port != 0
        _until_listening(proc, port)
        page = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        page.request("GET", "/signin")
        assert page.getresponse().status == 200  # sopframe answers there
        page.close()
    finally:
        err = said + _stopped(proc)
    assert proc.returncode == 130, err


def test_serve_refuses_port_0_with_several_workers_and_a_port_in_use(tmp_path: Path) -> None:
    pytest.importorskip("uvicorn")
    def refused(*args: str) -> str:
        proc = _serve(tmp_path, *args)
        try:
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:  # it served instead: stop it
                proc.kill()
                proc.wait()
        assert proc.returncode == 2, err
        return err

    assert "--port 0 (any free port) needs --workers 1" in refused("--port", "0", "--workers", "2")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        err = refused("--port", str(port))
    assert f"cannot listen on 127.0.0.1:{port}: " in err, err
    assert "Traceback" not in err
