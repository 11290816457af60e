module github.com/lanternops/readyz

go 1.19
