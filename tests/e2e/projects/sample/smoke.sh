#!/bin/sh
# The sample's own smoke test, run from anywhere: every dependency and datastore works, reached
# through the values `devup env` gives (tool dirs on PATH, datastore URLs with their real ports).
set -eu
cd "$(dirname "$0")"
eval "$(devup env)"
python -c 'import six; assert six.__version__ == "1.16.0", six.__version__; print("python: six", six.__version__)'
node -e 'const n = require("is-number"); if (!n(5) || n("x")) process.exit(1); console.log("node: is-number", require("is-number/package.json").version)'
[ "$(psql -X -A -t -c 'SELECT current_database()')" = sample_dev ]
echo "postgres: $PGDATABASE on port $PGPORT"
[ "$(redis-cli -u "$REDIS_URL" ping)" = PONG ]
echo "redis: $REDIS_URL"
[ "$(echo '{"a":1}' | jq .a)" = 1 ]
echo "jq: $(jq --version)"
test -f .env
echo "smoke test passed"
