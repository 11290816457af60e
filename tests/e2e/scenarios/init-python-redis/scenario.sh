source /e2e/lib.sh
source /e2e/projects/corpus-lib.sh
corpus_shape

step "the variables name devup's redis, no port is written down"
cd /root/python-redis
assert_contains "$(cat devup.toml)" 'REDIS_PORT = "{datastores.redis.port}"'
assert_contains "$(cat devup.toml)" 'extras = ["test"]'
