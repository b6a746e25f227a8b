package main

import "fmt"

func runExport(e env, args []string) int {
	fmt.Fprintln(e.stderr, "pushdeck export: not built yet")
	return exitInternal
}
