"""`tracker doctor`: the command line over tracker.doctor's checks."""

from __future__ import annotations

import click

from tracker.cli.common import reports_errors


@click.command()
@click.option("--fix", is_flag=True, help="Make the safe repairs (never rewrites or deletes a record).")
@click.option("--gc", "run_gc", is_flag=True, help="Also pack the repository with git gc.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.pass_context
@reports_errors
def doctor(ctx: click.Context, fix: bool, run_gc: bool, as_json: bool) -> None:
    """Check the register's health: damaged files, interrupted writes, locks, the
    load cache, git settings and git's state. Exit status 0 when healthy."""
    from data.text import one_line
    from tracker.doctor import as_dicts, examine, healthy
    from tracker.locations import find_register

    root, _is_default = find_register(ctx.obj.get("register") if ctx.obj else None)
    findings = examine(root, fix=fix, gc=run_gc)
    well = healthy(findings)
    if as_json:
        import orjson

        click.echo(
            orjson.dumps(
                {"register": str(root), "healthy": well, "findings": as_dicts(findings)},
                option=orjson.OPT_INDENT_2,
            ).decode()
        )
    else:
        for finding in findings:
            click.echo(f"{finding.status:<8} {finding.check}: {one_line(finding.message)}")
        problems = [finding for finding in findings if finding.unhealthy]
        fixable = sum(1 for finding in problems if finding.fixable)
        if not problems:
            click.echo(f"{one_line(root)}: healthy")
        else:
            hint = f"; tracker doctor --fix repairs {fixable} of them safely" if fixable and not fix else ""
            click.echo(f"{one_line(root)}: {len(problems)} problem(s){hint}")
    ctx.exit(0 if well else 1)
