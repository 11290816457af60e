source /e2e/lib.sh
source /e2e/projects/corpus-lib.sh
corpus_shape

step "psycopg2 was compiled here, against the system's libpq that devup installed"
cd /root/django-postgres
assert_contains "$(cat devup.toml)" 'libpq = "*"'
so=$(ls .venv/lib/python3*/site-packages/psycopg2/_psycopg*.so)
assert_match "$(ldd "$so")" 'libpq\.so\.5 => /(usr/)?lib/'
