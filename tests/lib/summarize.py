#!/usr/bin/env python3
"""Reads the JUnit XML of every tier and prints per-tier counts, the failures, and
the closing line "N passed, N failed". Exits 1 when anything failed."""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def count(path):
    passed, failed, skipped, failures = 0, 0, 0, []
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        name = f"{case.get('classname', '')}::{case.get('name', '')}".strip(":")
        if case.find("skipped") is not None:
            skipped += 1
        elif case.find("failure") is not None or case.find("error") is not None:
            failed += 1
            failures.append(name)
        else:
            passed += 1
    return passed, failed, skipped, failures


def main():
    results = Path(sys.argv[1])
    total_passed = total_failed = total_skipped = 0
    for xml in sorted(results.glob("*.xml")):
        try:
            passed, failed, skipped, failures = count(xml)
        except ET.ParseError as error:
            passed, failed, skipped, failures = 0, 1, 0, [f"unreadable report: {error}"]
        total_passed += passed
        total_failed += failed
        total_skipped += skipped
        print(f"  {xml.stem:<24} {passed:>5} passed {failed:>4} failed {skipped:>4} skipped")
        for name in failures:
            print(f"      FAILED {name}")
    line = f"{total_passed} passed, {total_failed} failed"
    if total_skipped:
        line += f", {total_skipped} skipped"
    print(line)
    return 1 if total_failed or total_passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
