package certs

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
)

// parseKeyBlocks parses every key block; err is the first failure, for when
// none could be read.
func parseKeyBlocks(blocks []*pem.Block, password string) ([]any, error) {
	var keys []any
	var first error
	for _, b := range blocks {
		k, err := parseKeyBlock(b, password)
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		keys = append(keys, k)
	}
	return keys, first
}

// keyFromFile reads Options.KeyPath. Without one it calls none, which adds
// the "no key" problem that fits the caller's format. locked says a key is
// there but the password did not open it.
func (l *loader) keyFromFile(none func()) (keys []any, locked bool) {
	if l.opts.KeyPath == "" {
		none()
		return nil, false
	}
	kbase := filepath.Base(l.opts.KeyPath)
	data, f := readLimited(l.opts.KeyPath, "key file")
	if f != nil {
		l.problem(*f)
		return nil, false
	}
	if len(bytes.TrimSpace(data)) == 0 {
		l.problem(findEmpty(kbase, len(data)))
		return nil, false
	}
	var err error
	if bytes.Contains(data, pemBegin) {
		all, rest := decodePEM(data)
		var blocks []*pem.Block
		for _, b := range all {
			if isKeyBlock(b) {
				blocks = append(blocks, b)
			}
		}
		if len(blocks) == 0 {
			if d := damagedPEM(data, rest); d != "" {
				l.problem(findCorrupt(fmt.Sprintf("In the key file %s, %s.", kbase, d)))
			} else {
				l.problem(findNoKeyInKeyFile(kbase))
			}
			return nil, false
		}
		keys, err = parseKeyBlocks(blocks, l.opts.Password)
	} else {
		var k any
		k, _, err = parseDERKey(data, l.opts.Password)
		if errors.Is(err, errNoKey) {
			l.problem(findNoKeyInKeyFile(kbase))
			return nil, false
		}
		if k != nil {
			keys = []any{k}
		}
	}
	if len(keys) == 0 {
		l.problem(keyFinding(kbase, err, l.opts.Password))
		return nil, errors.Is(err, errBadPassword)
	}
	return keys, false
}

// needsPassword reports whether opening the file takes a password.
func needsPassword(path string) (bool, error) {
	data, f := readLimited(path, "file")
	if f != nil {
		return false, &Error{Finding: cleanFinding(*f)}
	}
	if bytes.Contains(data, pemBegin) {
		blocks, _ := decodePEM(data)
		return slices.ContainsFunc(blocks, func(b *pem.Block) bool { return isKeyBlock(b) && isEncryptedBlock(b) }), nil
	}
	if len(data) > 0 && isPFX(data) {
		c, _ := loadBytes(data, path, Options{})
		return c != nil && hasCode(c.Report.Problems, CodePasswordRequired), nil
	}
	return false, nil
}

func hasCode(fs []Finding, code Code) bool {
	for _, f := range fs {
		if f.Code == code {
			return true
		}
	}
	return false
}
