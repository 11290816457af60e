source /e2e/lib.sh
source /e2e/projects/corpus-lib.sh
corpus_shape

step "the app's variables name devup's servers, no port written down"
cd /root/compose
assert_contains "$(cat devup.toml)" 'DATABASE_URL = "postgresql://pollster:pollster@{datastores.postgres.host}:{datastores.postgres.port}/pollster"'
assert_contains "$(cat devup.toml)" 'REDIS_URL = "{datastores.redis.url}"'
