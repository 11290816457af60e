# The machine's shared PostgreSQL and Redis (`mode = "system"`) with systemd as PID 1: systemctl
# starts and enables them. The script: tests/e2e/projects/system-mode.sh.
source /e2e/projects/system-mode.sh
