"""Every exception sopframe raises, drawn in one place.

::

    SopframeError                 base; ``exit_code`` is what the CLI exits with
    ├── UsageError                bad command-line use, missing path (exit 2)
    ├── ConfigError               unreadable or invalid configuration (exit 2)
    ├── TemplateError             a template could not be loaded (carries findings)
    ├── PluginError               a plugin failed to load or misbehaved (exit 3)
    ├── JobError                  a job command was refused; nothing was changed (exit 1;
    │                             exit 2 when what it names does not exist: ``kind="not_found"``)
    ├── StoreError                the job store cannot be opened or read (exit 2)
    │   └── ConflictError         another writer appended first; retry (exit 4)
    └── IntegrityError            a job's hash chain does not verify (exit 5)

Each error renders its own user-facing message with :meth:`format_message`,
including a "did you mean" hint where one helps.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.diagnostics import Finding

__all__ = [
    "ExitCode",
    "SopframeError",
    "UsageError",
    "ConfigError",
    "TemplateError",
    "PluginError",
    "JobError",
    "StoreError",
    "ConflictError",
    "IntegrityError",
    "did_you_mean",
]


class ExitCode(enum.IntEnum):
    """What ``sopframe`` exits with; :attr:`meaning` is the text ``--help``, the README and docs print."""

    OK = 0, "clean, or the command did what was asked"
    FAILED = 1, ("findings at or over the fail level, readiness points still open, or a job command "
                 "refused (nothing was written)")
    USAGE = 2, ("usage error, a name that matches nothing known (a job, SOP, template, rule, account; with a "
                "did-you-mean), invalid configuration, a missing path, or a store that cannot be opened")
    INTERNAL = 3, "internal or plugin error"
    CONFLICT = 4, "another writer changed the job at the same moment (nothing was written: run it again)"
    BROKEN_CHAIN = 5, "`sopframe job verify` or `sopframe verify` found a broken hash chain, a changed or " \
                      "missing record, or (with `--replay`) an event the engine would have refused"
    INTERRUPTED = 130, "interrupted (Ctrl-C)"
    OUTPUT_CLOSED = 141, "standard output closed before everything was written (a reader such as `head` exited)"

    meaning: str

    def __new__(cls, value: int, meaning: str) -> "ExitCode":
        member = int.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        return member

    @classmethod
    def table(cls) -> list[str]:
        """One line per code, ``N  meaning``, as ``sopframe --help`` prints them."""
        return [f"{code.value:<3}  {code.meaning}" for code in cls]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""``."""
    import difflib

    close = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class SopframeError(Exception):
    """Base of every error sopframe raises on purpose.

    ``hint`` says what to do in words every front end can show (a web page, an API answer, the command line);
    ``cli_hint``, where the command line says it better (the option to type), replaces it there: a browser
    user is never told to pass a command-line option.
    """

    exit_code: int = ExitCode.INTERNAL

    def __init__(self, message: str, *, hint: str = "", cli_hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.cli_hint = cli_hint

    def format_message(self) -> str:
        """The message and hint as the command line prints them."""
        text = self.message
        hint = self.cli_hint or self.hint
        if hint:
            text += f"\n  hint: {hint}"
        return text

    def __str__(self) -> str:
        return self.message


class UsageError(SopframeError):
    """The command line asks for something that cannot be done."""

    exit_code = ExitCode.USAGE


class ConfigError(SopframeError):
    """Configuration could not be read or is invalid."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, *, path: str | None = None, hint: str = "", cli_hint: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message, hint=hint, cli_hint=cli_hint)
        self.path = path


class TemplateError(SopframeError):
    """A template could not be loaded; ``findings`` says why, with positions."""

    exit_code = ExitCode.FAILED

    def __init__(self, path: str, findings: Sequence["Finding"]) -> None:
        first = findings[0] if findings else None
        where = f"{first.file}:{first.line}:{first.col}: " if first else f"{path}: "
        summary = first.message if first else "could not be loaded"
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        super().__init__(f"{where}{summary}{more}")
        self.path = path
        self.findings = tuple(findings)


class PluginError(SopframeError):
    """A plugin failed to load or broke a hook's contract."""

    exit_code = ExitCode.INTERNAL

    def __init__(self, plugin: str, message: str, *, hint: str = "") -> None:
        super().__init__(f"plugin {plugin!r}: {message}", hint=hint)
        self.plugin = plugin


class JobError(SopframeError):
    """A job command was refused (bad input, wrong role, gate not met); nothing was changed.

    ``job``, ``stage`` and ``field`` name where the problem is, when known.
    ``kind`` says what sort of refusal it is, for adapters that answer with a
    status (the server): ``forbidden`` (the policy: role or segregation of
    duties), ``not_found`` (no such job), ``conflict`` (the job is not where
    the command needs it: closed, stage not open, already signed) or
    ``invalid`` (what was given is wrong; the default).  A ``not_found``
    refusal exits 2, as every other name that matches nothing does (an
    unknown template, rule, account or SOP reference): the command line
    named something that is not there.

    ``labelled``, where the message names fields or sign-offs, is the same message naming them by their
    titles, as the job page's forms label them (the page shows it; the CLI and the API keep the ids they take).
    """

    exit_code = ExitCode.FAILED

    def __init__(self, message: str, *, job: str | None = None, stage: str | None = None,
                 field: str | None = None, hint: str = "", cli_hint: str = "", kind: str = "invalid",
                 labelled: str = "") -> None:
        where = ", ".join(f"{k} {v}" for k, v in (("job", job), ("stage", stage), ("field", field)) if v)
        super().__init__(f"{where}: {message}" if where else message, hint=hint, cli_hint=cli_hint)
        self.labelled = f"{where}: {labelled}" if where and labelled else labelled
        self.job = job
        self.stage = stage
        self.field = field
        self.kind = kind
        if kind == "not_found":
            self.exit_code = ExitCode.USAGE


class StoreError(SopframeError):
    """The job store could not be opened, read or written."""

    exit_code = ExitCode.USAGE


class ConflictError(StoreError):
    """An append expected a sequence number another writer already used.

    Nothing was written; read the job again and retry the command.
    """

    exit_code = ExitCode.CONFLICT

    def __init__(self, job: str, expected: int, actual: int | None = None) -> None:
        got = f", but it is at {actual}" if actual is not None else ""
        super().__init__(f"job {job}: concurrent update: expected the job at event {expected}{got}",
                         hint="another command changed the job first; nothing was written, run the command again")
        self.job = job
        self.expected = expected
        self.actual = actual


class IntegrityError(SopframeError):
    """A job's stored events do not match their hash chain."""

    exit_code = ExitCode.BROKEN_CHAIN
