//go:build !linux

package main

import (
	"errors"
	"os/exec"
)

func enablePinning() error { return errors.New("-pin works on Linux only") }

func pinDescription() string { return "" }

func startCmd(cmd *exec.Cmd, _ bool) error { return cmd.Start() }
