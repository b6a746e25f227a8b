package main

import "fmt"

func runLint(e env, args []string) int {
	fmt.Fprintln(e.stderr, "pushdeck lint: not built yet")
	return exitInternal
}
