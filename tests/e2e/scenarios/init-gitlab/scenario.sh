source /e2e/lib.sh
source /e2e/projects/corpus-lib.sh
corpus_shape

step "the CI account is the server's user, and only the test job's installs are drafted"
cd /root/gitlab
assert_contains "$(cat devup.toml)" 'users = [{ name = "guestbook", password = "not-a-secret-ci-only" }, { name = "root", password = "rootpw" }]'
assert_not_contains "$(cat devup.toml)" 'flake8'
