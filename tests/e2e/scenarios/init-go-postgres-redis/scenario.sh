source /e2e/lib.sh
source /e2e/projects/corpus-lib.sh
corpus_shape
