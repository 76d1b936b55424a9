"""The README's command-line table names every `gonghui` command and every flag of each (issue 16
part 7): a flag added to a command without a README line fails here, so the table cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.management import get_commands, load_command_class

README = Path(__file__).resolve().parents[1] / "README.md"
# Options every Django command has; the README does not repeat them.
DJANGO_OPTIONS = {
    "--help",
    "--version",
    "--verbosity",
    "--settings",
    "--pythonpath",
    "--traceback",
    "--no-color",
    "--force-color",
    "--skip-checks",
}


def readme_table() -> dict[str, set[str]]:
    """{command: flags} from the rows of the "Command line" table."""
    section = README.read_text(encoding="utf-8").split("## Command line", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, set[str]] = {}
    for line in section.splitlines():
        match = re.match(r"\| `gonghui ([a-z0-9-]+)([^`]*)` \|", line)
        if match:
            rows[match.group(1)] = set(re.findall(r"--[a-z0-9-]+", match.group(2)))
    return rows


def project_commands() -> dict[str, set[str]]:
    """{command as typed (hyphens): its flags} for the commands in gonghui's own apps."""
    commands = {}
    for name, app in get_commands().items():
        if not app.startswith("gonghui"):
            continue
        parser = load_command_class(app, name).create_parser("gonghui", name)
        flags = {o for action in parser._actions for o in action.option_strings if o.startswith("--")}
        commands[name.replace("_", "-")] = flags - DJANGO_OPTIONS
    return commands


def test_the_readme_lists_every_command_with_every_flag():
    assert readme_table() == project_commands()


def test_the_table_is_read_as_intended():
    table = readme_table()
    assert table["add-officer"] >= {"--org", "--role", "--assistance"}
    assert table["demo"] == set()
