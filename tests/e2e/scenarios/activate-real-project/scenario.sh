# Issue "Everyday use", activation and `devup exec`. A project with a python venv and a postgres
# server of its own is converged by ONE `devup --yes`; then a bash with devup's hook (called as
# bash calls it before each prompt) gets the project's environment in its tree: `python` is the
# venv's, `psql` with no argument reaches the project's database through the PG* variables and
# `$DATABASE_URL` through the URL; outside the tree the shell has its own values back. Nothing
# converges while activating: a server stopped since stays stopped. `devup exec` runs a command
# in the same environment and passes its exit code through.
source /e2e/lib.sh
export CI=1
mkdir -p /srv/shop/src /srv/elsewhere
cd /srv/shop
cat > devup.toml <<'TOML'
[project]
name = "shop"

[languages]
python = "3"

[dependencies]
pip = { requirements = "" }

[datastores]
postgres = { databases = ["shop_dev"] }

[env]
APP_ENV = "development"
TOML

step "ONE devup --yes converges: python3 with venv from apt, the venv, a postgres server of the project's own"
expect_exit 0 devup --yes
assert_file .venv/bin/python
expect_exit 0 devup trust --yes

# A shell as a person has it: bash with the hook in its rc, a DATABASE_URL of their own.
cat > /srv/rc.bash <<RC
$(devup activate bash)
export DATABASE_URL=theirs
prompt() { _devup_hook; }
RC

step "in the project's tree: the venv's python, the project's database, its variables"
out=$(cd /srv && bash --norc -c '
source /srv/rc.bash
cd /srv/shop/src; prompt
echo "python=$(command -v python)"
python -c "import sys; print(\"prefix=\" + sys.prefix)"
echo "app=$APP_ENV"
psql -Atc "select current_database()" | sed "s/^/pg=/"
psql "$DATABASE_URL" -Atc "select 40 + 2" | sed "s/^/url=/"
cd /srv/elsewhere; prompt
echo "after: python=$(command -v python || echo none) app=${APP_ENV-unset} db=$DATABASE_URL pgport=${PGPORT-unset}"
' 2>&1)
printf '%s\n' "$out"
assert_contains "$out" "devup: shop activated: "
assert_contains "$out" "python=/srv/shop/.venv/bin/python"
assert_contains "$out" "prefix=/srv/shop/.venv"
assert_contains "$out" "app=development"
assert_contains "$out" "pg=shop_dev"
assert_contains "$out" "url=42"
assert_contains "$out" "devup: shop deactivated"
assert_contains "$out" "after: python=none app=unset db=theirs pgport=unset"

step "activation converges nothing: with the server stopped, it stays stopped"
expect_exit 0 devup down
out=$(bash --norc -c 'source /srv/rc.bash; cd /srv/shop; prompt; echo "port=$PGPORT"' 2>&1)
printf '%s\n' "$out"
assert_contains "$out" "devup: shop activated: "
expect_exit 2 devup status
assert_contains "$OUT" "datastores.postgres.server"
expect_exit 0 devup --yes

step "devup exec: the same environment, the command's exit code"
expect_exit 0 devup exec -- python -c 'import os, sys; print(sys.prefix, os.environ["APP_ENV"])'
assert_contains "$OUT" "/srv/shop/.venv development"
expect_exit 0 devup exec -- psql -Atc "select current_database()"
assert_contains "$OUT" "shop_dev"
expect_exit 9 devup exec -- python -c 'raise SystemExit(9)'
expect_exit 127 devup exec -- no-such-program

step "the hook's cost per prompt in this converged project, and outside it"
bash --norc -c '
source /srv/rc.bash
t() { local n=200 s e; s=$EPOCHREALTIME; for ((i = 0; i < n; i++)); do prompt; done; e=$EPOCHREALTIME; echo "$1: $(( (${e/./} - ${s/./}) / n )) us per prompt"; }
cd /srv/shop; prompt 2>/dev/null; t "in the project"
cd /srv/elsewhere; prompt 2>/dev/null; t "outside"
'
