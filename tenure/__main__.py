"""The `tenure` console command: Django's management commands plus Tenure's own."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
    from django.core.management import execute_from_command_line

    argv = sys.argv[:]
    argv[0] = "tenure"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
