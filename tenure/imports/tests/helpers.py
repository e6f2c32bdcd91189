import csv
import io
import json

from django.core.management import call_command


def write_csv(path, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return str(path)


def run_import(*args):
    out = io.StringIO()
    call_command("import", *[str(a) for a in args], stdout=out)
    return json.loads(out.getvalue())


def read_report(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))
