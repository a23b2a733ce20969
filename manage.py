#!/usr/bin/env python
import os
import sys


def main():
    if sys.argv[1:2] == ["replay_detection"] and os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings") == (
        "config.settings"
    ):
        # A file-in, lines-out replay needs no Django: see detection.replay.run_as_management_command.
        from detection.replay import run_as_management_command

        code = run_as_management_command(sys.argv[2:])
        if code is not None:
            sys.exit(code)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
