package main

import "fmt"

func runProbe(e env, args []string) int {
	fmt.Fprintln(e.stderr, "pushdeck probe: not built yet")
	return exitInternal
}
