#!/usr/bin/env python3
"""Parse a metrics page with the reference Prometheus Python client (prometheus_client) and print its families.

Usage: parse_metrics.py prometheus|openmetrics [FILE]   (default: stdin)
Prints one JSON object: {"families": [{"name", "type", "samples": [{"name", "labels", "value"}]}]}.
Exits 1, with the parser's message on stderr, if the page does not parse. Used by DaemonTests' MetricsFormatTests.
"""
import json
import math
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_prometheus


def main() -> int:
    if len(sys.argv) not in (2, 3) or sys.argv[1] not in ("prometheus", "openmetrics"):
        print(__doc__, file=sys.stderr)
        return 2
    if len(sys.argv) == 3:
        with open(sys.argv[2], encoding="utf-8") as handle:
            text = handle.read()
    else:
        text = sys.stdin.read()
    parse = parse_openmetrics if sys.argv[1] == "openmetrics" else parse_prometheus
    try:
        families = list(parse(text))
    except Exception as error:  # the parsers raise ValueError and friends
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    out = []
    for family in families:
        out.append({
            "name": family.name,
            "type": family.type,
            "samples": [
                {"name": s.name, "labels": dict(s.labels), "value": None if math.isnan(s.value) else s.value}
                for s in family.samples
            ],
        })
    json.dump({"families": out}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
