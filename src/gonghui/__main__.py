"""`gonghui` / `python -m gonghui`: Django's manage.py for this project."""

import os
import sys


def command_argv(argv: list[str]) -> list[str]:
    """Commands are spelled with hyphens (`import-members`); their modules use underscores."""
    argv = list(argv)
    position = 2 if len(argv) > 2 and argv[1] == "help" else 1
    if len(argv) > position and "-" in argv[position] and not argv[position].startswith("-"):
        argv[position] = argv[position].replace("-", "_")
    return argv


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(command_argv(sys.argv))


if __name__ == "__main__":
    main()
