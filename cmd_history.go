package main

import "fmt"

func runHistory(e env, args []string) int {
	fmt.Fprintln(e.stderr, "pushdeck history: not built yet")
	return exitInternal
}
