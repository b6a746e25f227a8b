package main

import "fmt"

func runInspect(e env, args []string) int {
	fmt.Fprintln(e.stderr, "pushdeck inspect: not built yet")
	return exitInternal
}
