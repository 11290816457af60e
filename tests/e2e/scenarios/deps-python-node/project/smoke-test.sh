#!/bin/sh
# The sample's own smoke test: its Python and Node dependencies import.
set -eu
cd "$(dirname "$0")"
.venv/bin/python -c 'import six; assert six.__version__ == "1.16.0", six.__version__; print("six", six.__version__)'
node -e 'const isNumber = require("is-number"); if (!isNumber(5) || isNumber("x")) process.exit(1); console.log("is-number", require("is-number/package.json").version)'
