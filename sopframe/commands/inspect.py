"""Commands that describe sopframe itself: schema, rules, explain, plugins, templates."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from sopframe.commands.common import plugins_for, warn_plugin_problems
from sopframe.commands.completion import complete_rules

if TYPE_CHECKING:  # pragma: no cover
    from sopframe.core.diagnostics import Rule
    from sopframe.pluginmanager import Plugins


@click.command()
@click.option("--base", is_flag=True, help="Print the schema without plugin extensions.")
@click.pass_context
def schema(ctx: click.Context, base: bool) -> None:
    """Print the template JSON Schema (Draft 2020-12), with plugin extensions.

    Save it to a file and point yaml-language-server or check-jsonschema at it.
    """
    ctx.call_on_close(lambda: warn_plugin_problems(ctx))
    from sopframe.core.schema import base_schema

    data = base_schema() if base else plugins_for(ctx).schema()
    click.echo(json.dumps(data, indent=2))


def _all_rules(ctx: click.Context) -> list["Rule"]:
    return all_rules(plugins_for(ctx))


def all_rules(plugins: "Plugins") -> list["Rule"]:
    """Every rule the plugins register plus those the engine reports about plugins, sorted by code."""
    from sopframe.core.rules import plugin_problems

    rules = [*plugins.rules(), *plugin_problems.RULES]
    return sorted(rules, key=lambda r: r.code)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def rules(ctx: click.Context, fmt: str) -> None:
    """List every rule: code, severity, plugin and what it checks."""
    ctx.call_on_close(lambda: warn_plugin_problems(ctx))
    all_rules = _all_rules(ctx)
    if fmt == "json":
        click.echo(json.dumps([{"code": r.code, "slug": r.slug, "severity": str(r.severity), "plugin": r.plugin,
                                "summary": r.summary, "controls": list(r.controls), "docs": r.docs}
                               for r in all_rules], indent=2))
        return
    width = max((len(r.slug) for r in all_rules), default=10)
    for r in all_rules:
        click.echo(f"{r.code:<8} {r.slug:<{width}}  {str(r.severity):<7}  {r.plugin:<12}  {r.summary}")


@click.command()
@click.argument("code", shell_complete=complete_rules)
@click.pass_context
def explain(ctx: click.Context, code: str) -> None:
    """Explain a rule by its code (SOP101) or slug (dag-cycle)."""
    ctx.call_on_close(lambda: warn_plugin_problems(ctx))
    from sopframe.errors import UsageError, did_you_mean

    all_rules = _all_rules(ctx)
    want = code.strip()
    found = [r for r in all_rules if r.code.upper() == want.upper() or r.slug == want.lower()]
    if not found:
        choices = [r.code for r in all_rules] + [r.slug for r in all_rules]
        guess = want.upper() if want[:1].isalpha() and want[-1:].isdigit() else want.lower()
        raise UsageError(f"no rule {code!r}{did_you_mean(guess, choices)}", hint="`sopframe rules` lists every rule")
    from sopframe.commands.common import config_for
    from sopframe.ruledocs import help_uri, rule_text

    docs_url = config_for(ctx).get("docs-url") or None
    # a slug can name one check in several plugins (one per framework): explain each
    for i, r in enumerate(found):
        if i:
            click.echo("\n" + "-" * 78 + "\n")
        click.echo(f"{r.code} {r.slug} ({r.severity}, plugin {r.plugin})\n")
        click.echo(rule_text(r))
        if r.controls:
            click.echo(f"\nControls: {', '.join(r.controls)}")
        uri = help_uri(r.docs, str(docs_url) if docs_url else None)
        if uri:
            click.echo(f"\nOnline: {uri}")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def plugins(ctx: click.Context, fmt: str) -> None:
    """List plugins: distribution, version, hooks, and whether each loaded."""
    ctx.call_on_close(lambda: warn_plugin_problems(ctx))
    p = plugins_for(ctx)
    rows = [{"name": i.name, "module": i.module, "distribution": i.distribution, "version": i.version,
             "status": i.status, "hooks": i.hooks, "error": i.error} for i in p.infos]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        dist = f"{r['distribution']} {r['version']}".strip() or r["module"]
        click.echo(f"{r['name']:<20} {r['status']:<8} {dist}")
        if r["hooks"]:
            click.echo(f"{'':<20} hooks: {', '.join(r['hooks'])}")
        if r["error"]:
            click.echo(f"{'':<20} error: {r['error']}")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def templates(ctx: click.Context, fmt: str) -> None:
    """List the templates that installed plugins ship (template packs)."""
    ctx.call_on_close(lambda: warn_plugin_problems(ctx))
    from sopframe.core.templates import discover

    found = discover(plugins_for(ctx))
    if fmt == "json":
        click.echo(json.dumps([t.to_dict() for t in found], indent=2))
        return
    for t in found:
        click.echo(f"{t.id:<36} {t.version:<8} {t.kind:<14} {t.plugin:<18} {t.title}")
