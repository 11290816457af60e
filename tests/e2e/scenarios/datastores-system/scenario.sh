# The machine's shared PostgreSQL and Redis (`mode = "system"`), with no init system: Debian's
# init scripts start them through `service`. The script: tests/e2e/projects/system-mode.sh.
source /e2e/projects/system-mode.sh
