package main

import "fmt"

func runConsole(e env, args []string) int {
	fmt.Fprintln(e.stderr, "pushdeck demo: not built yet")
	return exitInternal
}

func runDemo(e env, args []string) int {
	fmt.Fprintln(e.stderr, "pushdeck demo: not built yet")
	return exitInternal
}
