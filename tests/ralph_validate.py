"""Run inside ralph's own venv: validate xAPI statements (a JSON list on stdin) with ralph's
BaseXapiStatement and print {"valid": n, "errors": [...]} as JSON."""

import json
import sys

from ralph.models.xapi.base.statements import BaseXapiStatement

statements = json.load(sys.stdin)
errors = []
for index, body in enumerate(statements):
    try:
        BaseXapiStatement(**body)
    except Exception as error:
        errors.append(f"{index}: {error}")
print(json.dumps({"valid": len(statements) - len(errors), "errors": errors[:5]}))
