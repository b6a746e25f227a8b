//go:build !linux

package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
)

// openPTY is Linux-only (/dev/ptmx with TIOCSPTLCK and TIOCGPTN): the
// startup benchmark is measured on Linux.
func openPTY(cols, rows int) (master, slave *os.File, err error) {
	return nil, nil, fmt.Errorf("the startup benchmark needs a Linux pty; this is %s", runtime.GOOS)
}

// ttyAttr is unused where openPTY fails.
func ttyAttr() *syscall.SysProcAttr { return nil }
